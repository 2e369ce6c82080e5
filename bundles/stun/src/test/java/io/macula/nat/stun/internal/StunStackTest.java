package io.macula.nat.stun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.stun.api.BindingResult;
import io.macula.nat.stun.api.ChangeRequest;
import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.NatInfo;
import io.macula.nat.stun.api.ResponseOrigin;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunServerAddress;
import io.macula.nat.stun.api.StunTransactionException;
import io.macula.nat.stun.api.UnknownAttributes;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The client stack against our own server, over real loopback sockets (127.0.0.2 is the alternate IP). */
class StunStackTest {
  private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

  @Test
  void bindingReturnsTheClientsOwnAddressAndTheRfc5780Addresses() throws Exception {
    try (StandaloneStunServer server = new StandaloneStunServer(ANY_LOOPBACK, InetAddress.getByName("127.0.0.2"), 0);
        LoopbackStun client = new LoopbackStun(List.of(StunServerAddress.of(server.localAddress())))) {
      BindingResult r = client.stack.binding().get(5, TimeUnit.SECONDS);
      assertEquals(client.socket.localAddress(), r.mapped());
      int port = server.localAddress().getPort();
      assertEquals(new InetSocketAddress("127.0.0.2", port + 1), r.otherAddress().orElseThrow());
      assertEquals(server.localAddress(), r.responseOrigin().orElseThrow());
    }
  }

  @Test
  void changeRequestIsAnsweredFromTheOtherAddressAndPort() throws Exception {
    try (StandaloneStunServer server = new StandaloneStunServer(ANY_LOOPBACK, InetAddress.getByName("127.0.0.2"), 0);
        LoopbackStun client = new LoopbackStun(List.of())) {
      int port = server.localAddress().getPort();
      StunMessage both = client.stack.transact(server.localAddress(),
          StunMessage.bindingRequest(new ChangeRequest(true, true)), null, LoopbackStun.FAST).get(5, TimeUnit.SECONDS);
      assertEquals(new InetSocketAddress("127.0.0.2", port + 1), both.attribute(ResponseOrigin.class).orElseThrow().address());
      StunMessage portOnly = client.stack.transact(server.localAddress(),
          StunMessage.bindingRequest(new ChangeRequest(false, true)), null, LoopbackStun.FAST).get(5, TimeUnit.SECONDS);
      assertEquals(new InetSocketAddress("127.0.0.1", port + 1), portOnly.attribute(ResponseOrigin.class).orElseThrow().address());
    }
  }

  @Test
  void withoutAnAlternateAChangeRequestGets420NamingIt() throws Exception {
    try (StandaloneStunServer server = new StandaloneStunServer(ANY_LOOPBACK, null, 0);
        LoopbackStun client = new LoopbackStun(List.of())) {
      StunMessage r = client.stack.transact(server.localAddress(),
          StunMessage.bindingRequest(new ChangeRequest(true, false)), null, LoopbackStun.FAST).get(5, TimeUnit.SECONDS);
      assertEquals(StunClass.ERROR_RESPONSE, r.messageClass());
      assertEquals(ErrorCode.UNKNOWN_ATTRIBUTE, r.attribute(ErrorCode.class).orElseThrow().code());
      assertEquals(List.of(ChangeRequest.TYPE), r.attribute(UnknownAttributes.class).orElseThrow().types());
    }
  }

  @Test
  void aTransactionSentThroughAnotherWayIsAnsweredByTheResponseHandedBack() throws Exception {
    try (StandaloneStunServer server = new StandaloneStunServer(ANY_LOOPBACK, null, 0);
        LoopbackStun client = new LoopbackStun(List.of());
        DatagramSocket relay = new DatagramSocket(ANY_LOOPBACK)) {
      // The relay stands in for a TURN allocation: the request leaves from its socket, and the
      // response that comes back there is handed to the client.
      java.util.concurrent.CompletableFuture<StunMessage> answer = client.stack.transact(server.localAddress(),
          StunMessage.bindingRequest(), null, LoopbackStun.FAST, (to, datagram) -> {
            byte[] b = new byte[datagram.remaining()];
            datagram.get(b);
            try {
              relay.send(new DatagramPacket(b, b.length, to));
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
      DatagramPacket received = new DatagramPacket(new byte[1500], 1500);
      relay.setSoTimeout(5000);
      relay.receive(received);
      java.nio.ByteBuffer raw = java.nio.ByteBuffer.wrap(received.getData(), 0, received.getLength());
      assertTrue(client.stack.responseArrived(raw.duplicate()), "it answers the transaction");
      StunMessage response = answer.get(5, TimeUnit.SECONDS);
      assertEquals(relay.getLocalSocketAddress(),
          response.attribute(io.macula.nat.stun.api.XorMappedAddress.class).orElseThrow().address(),
          "the server saw the request come from the relay");
      assertEquals(false, client.stack.responseArrived(raw.duplicate()), "a second copy answers nothing");
      assertEquals(false, client.stack.responseArrived(java.nio.ByteBuffer.wrap(new byte[] {1, 1, 0, 0})),
          "garbage answers nothing");
    }
  }

  @Test
  void discoveryOnLoopbackFindsNoNatAndHairpinning() throws Exception {
    try (StandaloneStunServer server = new StandaloneStunServer(ANY_LOOPBACK, InetAddress.getByName("127.0.0.2"), 0);
        LoopbackStun client = new LoopbackStun(List.of(StunServerAddress.of(server.localAddress())))) {
      NatInfo info = client.stack.discover().get(10, TimeUnit.SECONDS);
      assertEquals(NatBehavior.NONE, info.behavior(), info.detail());
      assertEquals(true, info.hairpinning().orElseThrow(), info.detail());
    }
  }

  @Test
  void aSilentServerTimesOutAfterEverySendOfTheSchedule() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(ANY_LOOPBACK);
        LoopbackStun client = new LoopbackStun(List.of())) {
      InetSocketAddress to = (InetSocketAddress) silent.getLocalSocketAddress();
      var f = client.stack.transact(to, StunMessage.bindingRequest(), null, LoopbackStun.FAST);
      ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
      StunTransactionException t = assertInstanceOf(StunTransactionException.class, e.getCause());
      assertEquals(StunTransactionException.Reason.TIMED_OUT, t.reason());
      // Rc sends of the same request: the first and three retransmissions.
      silent.setSoTimeout(1000);
      byte[] first = receive(silent);
      for (int i = 1; i < LoopbackStun.FAST.rc(); i++) {
        assertTrue(java.util.Arrays.equals(first, receive(silent)), "send " + i + " repeats the request");
      }
      assertEquals(LoopbackStun.FAST.rc() - 1, client.stack.statistics().retransmissions());
      assertEquals(1, client.stack.statistics().timeouts());
    }
  }

  @Test
  void failsOverToTheNextServerWhenTheFirstIsSilent() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(ANY_LOOPBACK);
        StandaloneStunServer server = new StandaloneStunServer(ANY_LOOPBACK, null, 0);
        LoopbackStun client = new LoopbackStun(List.of(
            StunServerAddress.of((InetSocketAddress) silent.getLocalSocketAddress()),
            StunServerAddress.of(server.localAddress())))) {
      BindingResult r = client.stack.binding().get(5, TimeUnit.SECONDS);
      assertEquals(server.localAddress(), r.server());
    }
  }

  @Test
  void garbageAtTheClientIsDroppedAndCounted() throws Exception {
    try (LoopbackStun client = new LoopbackStun(List.of());
        DatagramSocket s = new DatagramSocket(ANY_LOOPBACK)) {
      InetSocketAddress to = client.socket.localAddress();
      byte[] almost = new byte[28];
      almost[4] = 0x21; almost[5] = 0x12; almost[6] = (byte) 0xA4; almost[7] = 0x42; // cookie
      almost[3] = 8; // length 8, attribute cut short
      almost[20] = 0; almost[21] = 0x20; almost[23] = 40; // XOR-MAPPED-ADDRESS of 40 bytes: runs past
      s.send(new DatagramPacket(almost, almost.length, to));
      s.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, to));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      // Wait for these two reasons, not any two: a late answer meant for an earlier test's socket on
      // this port would count as an unmatched response.
      // Every reason is in the map from the start, at 0: wait for the counts.
      while (System.nanoTime() < deadline
          && !(client.stack.statistics().drops().getOrDefault(StunCounters.MALFORMED, 0L) > 0
              && client.stack.statistics().drops().getOrDefault(StunCounters.NOT_STUN, 0L) > 0)) {
        Thread.onSpinWait();
      }
      assertEquals(1L, client.stack.statistics().drops().get(StunCounters.MALFORMED));
      assertEquals(1L, client.stack.statistics().drops().get(StunCounters.NOT_STUN));
    }
  }

  @Test
  void aTryAlternateAnswerIsFollowedOnceToTheServerItNames() throws Exception {
    try (StandaloneStunServer real = new StandaloneStunServer(ANY_LOOPBACK, null, 0);
        DatagramSocket redirector = new DatagramSocket(ANY_LOOPBACK);
        LoopbackStun client = new LoopbackStun(List.of(
            StunServerAddress.of((InetSocketAddress) redirector.getLocalSocketAddress())))) {
      Thread answer = new Thread(() -> {
        try {
          DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
          redirector.receive(p);
          StunMessage request = io.macula.nat.stun.api.StunCodec.decode(
              io.netty.buffer.Unpooled.wrappedBuffer(p.getData(), 0, p.getLength()));
          StunMessage redirect = new StunMessage(StunClass.ERROR_RESPONSE, request.method(), request.transactionId(),
              List.of(new ErrorCode(ErrorCode.TRY_ALTERNATE, "Try Alternate"),
                  new io.macula.nat.stun.api.AlternateServer(real.localAddress())));
          io.netty.buffer.ByteBuf out = io.macula.nat.stun.api.StunCodec.encode(
              io.netty.buffer.ByteBufAllocator.DEFAULT, redirect, null, false, false);
          byte[] bytes = new byte[out.readableBytes()];
          out.readBytes(bytes);
          out.release();
          redirector.send(new DatagramPacket(bytes, bytes.length, p.getSocketAddress()));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      answer.start();
      BindingResult r = client.stack.binding().get(5, TimeUnit.SECONDS);
      answer.join(5000);
      assertEquals(real.localAddress(), r.server());
      assertEquals(client.socket.localAddress(), r.mapped());
    }
  }

  private static byte[] receive(DatagramSocket s) throws Exception {
    DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
    s.receive(p);
    return java.util.Arrays.copyOf(p.getData(), p.getLength());
  }
}
