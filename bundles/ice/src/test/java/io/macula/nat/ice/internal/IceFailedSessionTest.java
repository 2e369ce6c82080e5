package io.macula.nat.ice.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.IceControlling;
import io.macula.nat.stun.api.Priority;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunClient;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunRequestHandler;
import io.macula.nat.stun.api.TransactionId;
import io.macula.nat.stun.api.Username;
import io.macula.nat.testing.Eventually;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A session that failed here refuses the peer's checks (400) instead of answering them: a success
 * would let the peer select a pair this side never takes up, and the peer's side would stay on it
 * alone.
 */
class IceFailedSessionTest {
  private static final InetSocketAddress PEER = new InetSocketAddress("198.51.100.7", 40000);
  private static final String PEER_UFRAG = "ufrg";

  private final AtomicReference<StunRequestHandler> checks = new AtomicReference<>();
  private final BlockingQueue<StunMessage> answers = new LinkedBlockingQueue<>();
  private final IceAgentComponent agent =
      new IceAgentComponent(IceAgentOffersTest.config(), stun(), IceAgentOffersTest.endpoint(),
          IceAgentOffersTest.logger());

  @AfterEach
  void stop() throws Exception {
    agent.deactivate();
  }

  @Test
  void aFailedSessionRefusesThePeersChecksWith400() throws Exception {
    agent.signal(IceAgentOffersTest.node(1), IceSignal.encode(new IceSignal.Offer("s1", PEER_UFRAG, "passwordpasswordpassword", 7)));
    Eventually.until("the offer made a session", () -> agent.liveSessions().size() == 1);
    IceSession session = agent.liveSessions().values().iterator().next();

    assertEquals(StunClass.SUCCESS_RESPONSE, check(session).messageClass(), "a live session answers");
    session.fail("every pair failed its checks (in this test)");

    StunMessage refusal = check(session);
    assertEquals(StunClass.ERROR_RESPONSE, refusal.messageClass());
    assertEquals(400, refusal.attribute(ErrorCode.class).orElseThrow().code());
    assertTrue(agent.counters().get("checks-refused") >= 1, agent.counters().toString());
  }

  /** The peer's check on the session, signed with the session's password, and this agent's answer to it. */
  private StunMessage check(IceSession session) throws Exception {
    StunMessage request = new StunMessage(StunClass.REQUEST, StunMessage.BINDING, TransactionId.random(),
        List.of(new Username(session.localUfrag + ":" + PEER_UFRAG), new IceControlling(99),
            new Priority(1_000)));
    ByteBuf raw = StunCodec.encode(ByteBufAllocator.DEFAULT, request,
        StunCodec.shortTermKey(session.localPwd), false, true);
    try {
      StunMessage decoded = StunCodec.decode(raw.duplicate());
      assertTrue(checks.get().handle(PEER, decoded, raw.nioBuffer()), "the agent takes its session's check");
    } finally {
      raw.release();
    }
    StunMessage answer = answers.poll(5, TimeUnit.SECONDS);
    assertEquals(request.transactionId(), answer.transactionId());
    return answer;
  }

  /** A STUN client that hands the agent's request handler to the test, and the agent's answers too. */
  private StunClient stun() {
    return (StunClient) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {StunClient.class}, (p, m, a) -> switch (m.getName()) {
          case "handleRequests" -> {
            checks.set((StunRequestHandler) a[0]);
            yield (AutoCloseable) () -> { };
          }
          case "send" -> {
            answers.add((StunMessage) a[1]);
            yield null;
          }
          case "binding", "transact" -> new CompletableFuture<>();
          default -> null;
        });
  }
}
