package io.macula.nat.ice.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.PathKind;
import io.macula.nat.stun.api.IceControlling;
import io.macula.nat.stun.api.Priority;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunClient;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.TransactionId;
import io.macula.nat.stun.api.Username;
import io.macula.nat.stun.api.XorMappedAddress;
import io.macula.nat.testing.Eventually;
import io.macula.nat.transport.api.CarriedStunHandler;
import io.macula.nat.transport.api.PacketCarrier;
import io.macula.nat.transport.api.TransportPath;
import io.macula.nat.turn.api.RelayedAddress;
import io.macula.nat.turn.api.TurnRelay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * STUN that comes through a carrier (this node's relayed address on a TURN server): a peer's check
 * is answered back through that carrier, never from the socket; an answer to a check of ours goes
 * to the STUN client's transactions; anything else is counted and dropped.
 */
class IceCarriedStunTest {
  private static final InetSocketAddress PEER = new InetSocketAddress("198.51.100.7", 40000);
  private static final String PEER_UFRAG = "ufrg";

  private final AtomicReference<CarriedStunHandler> carried = new AtomicReference<>();
  private final BlockingQueue<String> socketSends = new LinkedBlockingQueue<>();
  private final BlockingQueue<ByteBuffer> responsesToClient = new LinkedBlockingQueue<>();
  private final BlockingQueue<byte[]> throughRelay = new LinkedBlockingQueue<>();
  private final RelayedAddress relay = new TestRelay();
  private final IceAgentComponent agent = new IceAgentComponent(IceAgentOffersTest.config(), stun(),
      IceAgentOffersTest.endpoint(carried), IceAgentOffersTest.logger());

  @AfterEach
  void stop() throws Exception {
    agent.deactivate();
  }

  @Test
  void aPeersCheckThroughTheRelayIsAnsweredThroughTheRelay() throws Exception {
    IceSession session = sessionWithTheRelay();
    StunMessage request = check(session);
    byte[] key = StunCodec.shortTermKey(session.localPwd);
    carry(relay, request, key);

    byte[] answer = throughRelay.poll(5, TimeUnit.SECONDS);
    assertTrue(answer != null, "an answer went back through the relay");
    assertTrue(StunCodec.verifyIntegrity(Unpooled.wrappedBuffer(answer), key), "signed with the session's password");
    StunMessage response = StunCodec.decode(Unpooled.wrappedBuffer(answer));
    assertEquals(StunClass.SUCCESS_RESPONSE, response.messageClass());
    assertEquals(request.transactionId(), response.transactionId());
    assertEquals(PEER, response.attribute(XorMappedAddress.class).orElseThrow().address(),
        "the peer's address as the relay saw it");
    assertEquals(List.of(), List.copyOf(socketSends), "nothing from the socket");
  }

  @Test
  void aCheckThroughAnotherCarrierOrWithABadSignatureGetsNoAnswer() throws Exception {
    IceSession session = sessionWithTheRelay();
    long refused = agent.counters().get("checks-refused");
    carry(new TestRelay(), check(session), StunCodec.shortTermKey(session.localPwd));
    carry(relay, check(session), StunCodec.shortTermKey("not the session's password"));
    Eventually.until("both were refused", () -> agent.counters().get("checks-refused") == refused + 2);
    assertTrue(throughRelay.isEmpty() && socketSends.isEmpty(),
        "no answer: a success through another relay would be a lie, and answers through a relay cost it state");
  }

  @Test
  void anAnswerThroughTheRelayGoesToTheTransactions() throws Exception {
    StunMessage response = new StunMessage(StunClass.SUCCESS_RESPONSE, StunMessage.BINDING, TransactionId.random(),
        List.of(new XorMappedAddress(PEER)));
    ByteBuf raw = StunCodec.encode(ByteBufAllocator.DEFAULT, response, null, false, true);
    try {
      carried.get().received(new TransportPath.Carried(relay, PEER), raw.nioBuffer());
    } finally {
      raw.release();
    }
    ByteBuffer handed = responsesToClient.poll(5, TimeUnit.SECONDS);
    assertTrue(handed != null, "the STUN client got it");
    assertEquals(response.transactionId(), StunCodec.decode(Unpooled.wrappedBuffer(handed)).transactionId());
  }

  @Test
  void garbageThroughTheRelayIsCountedAndDropped() {
    carried.get().received(new TransportPath.Carried(relay, PEER), ByteBuffer.wrap(new byte[] {0, 1, 0, 0, 1, 2}));
    assertEquals(1L, agent.counters().get("carried-malformed"));
    assertTrue(throughRelay.isEmpty() && responsesToClient.isEmpty() && socketSends.isEmpty());
  }

  /**
   * An upgrade's offer pairs no relayed candidates: the session the peer offered gathers none,
   * though this node has a relayed address.
   */
  @Test
  void anOfferThatPairsNoRelaysGetsASessionWithoutTheRelayedCandidate() throws Exception {
    installRelay();
    agent.signal(IceAgentOffersTest.node(1),
        IceSignal.encode(new IceSignal.Offer("s2", PEER_UFRAG, "passwordpasswordpassword", 7, false)));
    Eventually.until("the offer made a session", () -> agent.liveSessions().size() == 1);
    IceSession session = agent.liveSessions().values().iterator().next();
    Eventually.until("the session gathered its candidates", session::gathered);
    assertFalse(session.relaysThrough(relay));
  }

  /** A session the peer offered, which gathered the relayed address {@link #relay}. */
  private IceSession sessionWithTheRelay() throws Exception {
    installRelay();
    agent.signal(IceAgentOffersTest.node(1),
        IceSignal.encode(new IceSignal.Offer("s1", PEER_UFRAG, "passwordpasswordpassword", 7)));
    Eventually.until("the offer made a session", () -> agent.liveSessions().size() == 1);
    IceSession session = agent.liveSessions().values().iterator().next();
    Eventually.until("the session gathered the relayed candidate", () -> session.relaysThrough(relay));
    return session;
  }

  /** The node's TURN client holds {@link #relay}. */
  private void installRelay() throws Exception {
    java.lang.reflect.Field turn = IceAgentComponent.class.getDeclaredField("turn");
    turn.setAccessible(true);
    turn.set(agent, new TurnRelay() {
      @Override
      public List<String> servers() {
        return List.of("turn:192.0.2.1:3478");
      }

      @Override
      public CompletableFuture<RelayedAddress> relayedAddress() {
        return CompletableFuture.completedFuture(relay);
      }

      @Override
      public AutoCloseable onRenewal(java.util.function.BiConsumer<RelayedAddress, RelayedAddress> listener) {
        return () -> { };
      }

      @Override
      public java.util.Optional<RelayedAddress> current() {
        return java.util.Optional.of(relay);
      }
    });
  }

  private static StunMessage check(IceSession session) {
    return new StunMessage(StunClass.REQUEST, StunMessage.BINDING, TransactionId.random(),
        List.of(new Username(session.localUfrag + ":" + PEER_UFRAG), new IceControlling(99), new Priority(1_000)));
  }

  /** {@code message}, signed with {@code key}, as it comes from the peer through {@code carrier}. */
  private void carry(PacketCarrier carrier, StunMessage message, byte[] key) {
    ByteBuf raw = StunCodec.encode(ByteBufAllocator.DEFAULT, message, key, false, true);
    try {
      carried.get().received(new TransportPath.Carried(carrier, PEER), raw.nioBuffer());
    } finally {
      raw.release();
    }
  }

  /** A relayed address on a TURN server that hands what is sent through it to the test. */
  private final class TestRelay implements RelayedAddress {
    @Override
    public void send(InetSocketAddress peer, ByteBuffer packet) {
      assertEquals(PEER, peer, "the answer goes back to the peer the check came from");
      byte[] b = new byte[packet.remaining()];
      packet.get(b);
      throughRelay.add(b);
    }

    @Override
    public String describe() {
      return "turn 192.0.2.1:3478/udp relayed 192.0.2.1:50000";
    }

    @Override
    public PathKind kind() {
      return PathKind.TURN;
    }

    @Override
    public InetSocketAddress relayed() {
      return new InetSocketAddress("192.0.2.1", 50000);
    }

    @Override
    public InetSocketAddress server() {
      return new InetSocketAddress("192.0.2.1", 3478);
    }

    @Override
    public String transport() {
      return "udp";
    }

    @Override
    public java.time.Instant expires() {
      return java.time.Instant.MAX;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public CompletableFuture<Void> permit(java.util.Collection<java.net.InetAddress> peers) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void receiver(java.util.function.BiConsumer<InetSocketAddress, ByteBuffer> receiver) {}
  }

  private StunClient stun() {
    return (StunClient) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {StunClient.class}, (p, m, a) -> switch (m.getName()) {
          case "handleRequests" -> (AutoCloseable) () -> { };
          case "send" -> {
            socketSends.add(String.valueOf(a[1]));
            yield null;
          }
          case "responseArrived" -> {
            ByteBuffer copy = ByteBuffer.allocate(((ByteBuffer) a[0]).remaining());
            copy.put(((ByteBuffer) a[0]).duplicate()).flip();
            yield responsesToClient.add(copy);
          }
          case "binding" -> CompletableFuture.failedFuture(new IllegalStateException("no STUN server here"));
          case "transact" -> new CompletableFuture<>();
          default -> null;
        });
  }
}
