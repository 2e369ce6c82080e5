package io.macula.nat.stun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.stun.api.BindingLifetime;
import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.ResponsePort;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.XorMappedAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The measurement's logic against a scripted server that plays a NAT too: it answers to a port
 * (RESPONSE-PORT) only while that port's mapping, refreshed by its socket's own requests, is
 * younger than the lifetime it is given. The NAT lab measures a real NAT's.
 */
class BindingLifetimeProbeTest {
  private ScriptedServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aMappingLostBetweenTwoWaitsIsMeasuredBetweenThem() throws Exception {
    server = new ScriptedServer(Duration.ofMillis(300), false);
    BindingLifetime l = probe(100, 200, 500, 1000).measure(server.address(), null);

    assertEquals(Duration.ofMillis(200), l.atLeast());
    assertEquals(Optional.of(Duration.ofMillis(500)), l.lostBy(), "and no longer wait is tried");
    assertEquals(3, server.answeredToAnotherPort, "the control at once, and the two waits it outlived");
  }

  @Test
  void aMappingThatOutlivesEveryWaitIsAtLeastTheLongest() throws Exception {
    server = new ScriptedServer(Duration.ofSeconds(10), false);
    BindingLifetime l = probe(100, 200).measure(server.address(), null);

    assertEquals(Duration.ofMillis(200), l.atLeast());
    assertTrue(l.lostBy().isEmpty());
    assertEquals("at least 0.2 s", l.describe());
  }

  @Test
  void aServerThatWillNotAnswerToAnotherPortMeasuresNothing() throws Exception {
    server = new ScriptedServer(Duration.ofSeconds(10), true);
    IOException e = assertThrows(IOException.class, () -> probe(100).measure(server.address(), null));
    assertTrue(e.getMessage().contains("will not answer to another port"), e.getMessage());
  }

  @Test
  void aServerThatAnswersToTheSenderInsteadMeasuresNothing() throws Exception {
    server = new ScriptedServer(Duration.ofSeconds(10), false);
    server.ignoresResponsePort = true;
    IOException e = assertThrows(IOException.class, () -> probe(100).measure(server.address(), null));
    assertTrue(e.getMessage().contains("will not answer to another port"), e.getMessage());
  }

  @Test
  void aServerThatDropsRequestsWithAResponsePortMeasuresNothingRatherThanAShortLifetime() throws Exception {
    server = new ScriptedServer(Duration.ZERO, false); // no mapping outlives anything: no answer to a port arrives
    IOException e = assertThrows(IOException.class, () -> probe(100).measure(server.address(), null));
    assertTrue(e.getMessage().contains("do not arrive even at once"), e.getMessage());
  }

  @Test
  void aSilentServerMeasuresNothing() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      IOException e = assertThrows(IOException.class, () -> probe(100).measure(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()), null));
      assertTrue(e.getMessage().contains("did not answer"), e.getMessage());
    }
  }

  private static BindingLifetimeProbe probe(long... waitsMs) {
    return new BindingLifetimeProbe(java.util.Arrays.stream(waitsMs).mapToObj(Duration::ofMillis).toList(),
        Clock.systemUTC());
  }

  /** A STUN server on loopback that keeps each client port's mapping for {@code lifetime} since its last request. */
  private static final class ScriptedServer implements AutoCloseable {
    final DatagramSocket socket;
    final Map<Integer, Long> lastRequest = new ConcurrentHashMap<>();
    volatile int answeredToAnotherPort;
    volatile boolean ignoresResponsePort;
    private final Thread thread;

    ScriptedServer(Duration lifetime, boolean refusesResponsePort) throws SocketException {
      socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
      thread = new Thread(() -> serve(lifetime, refusesResponsePort), "scripted-stun");
      thread.setDaemon(true);
      thread.start();
    }

    InetSocketAddress address() {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
    }

    private void serve(Duration lifetime, boolean refusesResponsePort) {
      byte[] buffer = new byte[1500];
      while (!socket.isClosed()) {
        try {
          DatagramPacket p = new DatagramPacket(buffer, buffer.length);
          socket.receive(p);
          InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
          StunMessage request = StunCodec.decode(Unpooled.wrappedBuffer(buffer, 0, p.getLength()));
          lastRequest.put(from.getPort(), System.nanoTime());
          Optional<ResponsePort> port = request.attribute(ResponsePort.class);
          if (port.isPresent() && refusesResponsePort) {
            send(new StunMessage(StunClass.ERROR_RESPONSE, StunMessage.BINDING, request.transactionId(),
                List.of(new ErrorCode(420, "Unknown Attribute"))), from);
          } else if (port.isPresent() && ignoresResponsePort) {
            send(answer(request, from), from);
          } else if (port.isPresent()) {
            Long last = lastRequest.get(port.get().port());
            if (last != null && System.nanoTime() - last < lifetime.toNanos()) {
              answeredToAnotherPort++;
              send(answer(request, from), new InetSocketAddress(from.getAddress(), port.get().port()));
            } // else the NAT forgot the mapping: the answer is dropped on the way
          } else {
            send(answer(request, from), from);
          }
        } catch (IOException | RuntimeException e) {
          // closed, or not STUN: go on while open
        }
      }
    }

    private static StunMessage answer(StunMessage request, InetSocketAddress from) {
      return new StunMessage(StunClass.SUCCESS_RESPONSE, StunMessage.BINDING, request.transactionId(),
          List.of(new XorMappedAddress(from)));
    }

    private void send(StunMessage m, InetSocketAddress to) throws IOException {
      ByteBuf b = StunCodec.encode(ByteBufAllocator.DEFAULT, m, null, false, false);
      byte[] bytes = ByteBufUtil.getBytes(b);
      b.release();
      socket.send(new DatagramPacket(bytes, bytes.length, to));
    }

    @Override
    public void close() {
      socket.close();
    }
  }
}
