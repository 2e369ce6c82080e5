package io.macula.nat.ice.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.macula.nat.api.NodeId;
import io.macula.nat.stun.api.StunClient;
import io.macula.nat.testing.Eventually;
import io.macula.nat.transport.api.CarriedStunHandler;
import io.macula.nat.transport.api.Endpoint;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

/** One peer's offers cannot fill the agent's table of sessions: each peer gets a few at once. */
class IceAgentOffersTest {
  private final IceAgentComponent agent = new IceAgentComponent(config(), stun(), endpoint(), logger());

  @AfterEach
  void stop() throws Exception {
    agent.deactivate();
  }

  @Test
  void aPeerGetsAFewSessionsAndAnotherPeerStillGetsOne() throws Exception {
    NodeId greedy = node(1);
    for (int i = 0; i < 50; i++) {
      agent.signal(greedy, IceSignal.encode(new IceSignal.Offer("g" + i, "ufrg", "passwordpasswordpassword", i)));
    }
    agent.signal(node(2), IceSignal.encode(new IceSignal.Offer("other", "ufrg", "passwordpasswordpassword", 7)));
    // The offers are taken in order on the agent's thread: the other peer's comes last.
    Eventually.until("the other peer's offer is handled",
        () -> agent.sessions().stream().anyMatch(s -> s.peer().equals(node(2))));
    assertEquals(IceAgentComponent.MAX_SESSIONS_PER_PEER + 1, agent.sessions().size());
    assertEquals(50L - IceAgentComponent.MAX_SESSIONS_PER_PEER, agent.counters().get("offers-refused"));
  }

  static IceAgentComponent.Config config() {
    Map<String, Object> values = Map.of(
        "pacing__ms", 20L, "check__rto__ms", 100L, "nomination__delay__ms", 40L, "deadline__ms", 60_000L,
        "relay__nomination__delay__ms", 1000L, "relay__gathering__ms", 2000L);
    return (IceAgentComponent.Config) Proxy.newProxyInstance(IceAgentOffersTest.class.getClassLoader(),
        new Class<?>[] {IceAgentComponent.Config.class},
        (p, m, a) -> m.getName().equals("annotationType") ? IceAgentComponent.Config.class : values.get(m.getName()));
  }

  /** A STUN client that never gets an answer. */
  private static StunClient stun() {
    return (StunClient) Proxy.newProxyInstance(IceAgentOffersTest.class.getClassLoader(),
        new Class<?>[] {StunClient.class}, (p, m, a) -> switch (m.getName()) {
          case "handleRequests" -> (AutoCloseable) () -> { };
          case "binding", "transact" -> new CompletableFuture<>();
          default -> null;
        });
  }

  static Endpoint endpoint() {
    return endpoint(new java.util.concurrent.atomic.AtomicReference<>());
  }

  /** An endpoint that gives the handler of carried STUN the agent registers to {@code carried}. */
  static Endpoint endpoint(java.util.concurrent.atomic.AtomicReference<CarriedStunHandler> carried) {
    return (Endpoint) Proxy.newProxyInstance(IceAgentOffersTest.class.getClassLoader(),
        new Class<?>[] {Endpoint.class}, (p, m, a) -> switch (m.getName()) {
          case "localAddress" -> new InetSocketAddress("10.0.0.2", 4000);
          case "localId" -> node(9);
          case "handleCarriedStun" -> {
            carried.set((CarriedStunHandler) a[0]);
            yield (AutoCloseable) () -> carried.set(null);
          }
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }

  static Logger logger() {
    return (Logger) Proxy.newProxyInstance(IceAgentOffersTest.class.getClassLoader(), new Class<?>[] {Logger.class},
        (p, m, a) -> m.getReturnType() == boolean.class ? false : null);
  }

  static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return NodeId.of(id);
  }
}
