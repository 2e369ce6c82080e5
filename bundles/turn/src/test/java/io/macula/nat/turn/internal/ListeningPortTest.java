package io.macula.nat.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real sockets on loopback; only which UDP port comes first is the test's choice. */
class ListeningPortTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  /** A TCP port held by someone else, as a connection's own port may be. */
  private int heldTcpPort() throws IOException {
    ServerSocketChannel held = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
    open.add(held);
    return ((InetSocketAddress) held.getLocalAddress()).getPort();
  }

  /** Hands out UDP sockets on {@code first} ports first, then on what the kernel picks; keeps them all. */
  private ListeningPort.UdpBinder pickingFirst(List<DatagramChannel> handedOut, int... first) {
    return at -> {
      int port = handedOut.size() < first.length ? first[handedOut.size()] : at.getPort();
      DatagramChannel udp = ListeningPort.UDP.bind(new InetSocketAddress(at.getAddress(), port));
      handedOut.add(udp);
      open.add(udp);
      return udp;
    };
  }

  @Test
  void aPortTheKernelPicksThatTcpHoldsIsPickedAgainAndTheFirstUdpSocketClosed() throws Exception {
    int held = heldTcpPort();
    List<DatagramChannel> handedOut = new ArrayList<>();

    ListeningPort port = ListeningPort.open(new InetSocketAddress(LOOPBACK, 0), pickingFirst(handedOut, held));
    open.add(port.udp());
    open.add(port.tcp());

    int udp = ((InetSocketAddress) port.udp().getLocalAddress()).getPort();
    assertNotEquals(held, udp, "not the port TCP holds");
    assertEquals(udp, ((InetSocketAddress) port.tcp().getLocalAddress()).getPort(), "UDP and TCP on one port");
    assertEquals(2, handedOut.size(), "picked twice");
    assertFalse(handedOut.get(0).isOpen(), "the first pick's UDP socket closed");
  }

  @Test
  void aConfiguredPortTcpHoldsFailsAtOnceAndKeepsNothingOpen() throws Exception {
    int held = heldTcpPort();
    List<DatagramChannel> handedOut = new ArrayList<>();

    assertThrows(IOException.class,
        () -> ListeningPort.open(new InetSocketAddress(LOOPBACK, held), pickingFirst(handedOut)));
    assertEquals(1, handedOut.size(), "a configured port is not picked again");
    assertFalse(handedOut.get(0).isOpen());
  }

  @Test
  void picksThatAllMeetTcpGiveUpAfterTheAttemptsAndKeepNothingOpen() throws Exception {
    int held = heldTcpPort();
    int[] always = new int[ListeningPort.ATTEMPTS + 1];
    java.util.Arrays.fill(always, held);
    List<DatagramChannel> handedOut = new ArrayList<>();

    assertThrows(IOException.class,
        () -> ListeningPort.open(new InetSocketAddress(LOOPBACK, 0), pickingFirst(handedOut, always)));
    assertEquals(ListeningPort.ATTEMPTS, handedOut.size());
    assertFalse(handedOut.stream().anyMatch(DatagramChannel::isOpen), "every UDP socket closed");
  }
}
