package io.macula.nat.strategy.turn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.Applicability;
import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.Signalling;
import io.macula.nat.turn.api.RelayedAddress;
import io.macula.nat.turn.api.TurnRelay;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** When the TURN strategy can be tried, and the cause it names when it cannot. */
class AppliesToTest {
  private final TurnStrategy strategy = new TurnStrategy(config(), null, null);

  @Test
  void withoutAHubSessionTheStrategySaysSo() throws Exception {
    assertEquals("no hub session to ask the peer for its relayed address through", reason(pair(NatBehavior.SYMMETRIC)));
  }

  @Test
  void whereUdpIsBlockedItNeedsATurnServerOfItsOwn() throws Exception {
    set("signallingObjects", objects(signalling()));
    assertEquals("UDP is blocked here and no TURN server is configured", reason(pair(NatBehavior.UDP_BLOCKED)));
    set("turn", relay(List.of()));
    assertEquals("UDP is blocked here and no TURN server is configured", reason(pair(NatBehavior.UDP_BLOCKED)));
    set("turn", relay(List.of("turn:192.0.2.1:3478?transport=tcp")));
    assertTrue(strategy.appliesTo(pair(NatBehavior.UDP_BLOCKED)).applies());
  }

  @Test
  void whereUdpPassesOnlyThePeerNeedsOne() throws Exception {
    set("signallingObjects", objects(signalling()));
    assertTrue(strategy.appliesTo(pair(NatBehavior.SYMMETRIC)).applies());
  }

  private String reason(NodePair pair) {
    Applicability a = strategy.appliesTo(pair);
    assertTrue(!a.applies());
    return a.reason();
  }

  private void set(String field, Object value) throws Exception {
    var f = TurnStrategy.class.getDeclaredField(field);
    f.setAccessible(true);
    f.set(strategy, value);
  }

  private static NodePair pair(NatBehavior local) {
    return new NodePair(node(1, local), node(2, NatBehavior.SYMMETRIC));
  }

  private static NodeDescriptor node(int n, NatBehavior nat) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return new NodeDescriptor(NodeId.of(id), List.of(), Optional.of(new InetSocketAddress("198.51.100." + n, 4000)),
        nat, false);
  }

  private static Signalling signalling() {
    return new Signalling() {
      @Override
      public boolean isConnected() {
        return true;
      }

      @Override
      public void signal(NodeId to, byte[] payload) {}
    };
  }

  /** A service as DS hands a component that gets it only when used. */
  @SuppressWarnings("unchecked")
  private static <S> org.osgi.service.component.ComponentServiceObjects<S> objects(S service) {
    return (org.osgi.service.component.ComponentServiceObjects<S>) java.lang.reflect.Proxy.newProxyInstance(
        AppliesToTest.class.getClassLoader(), new Class<?>[] {org.osgi.service.component.ComponentServiceObjects.class},
        (proxy, method, args) -> method.getName().equals("getService") ? service : null);
  }

  private static TurnRelay relay(List<String> servers) {
    return new TurnRelay() {
      @Override
      public List<String> servers() {
        return servers;
      }

      @Override
      public CompletableFuture<RelayedAddress> relayedAddress() {
        return new CompletableFuture<>();
      }

      @Override
      public Optional<RelayedAddress> current() {
        return Optional.empty();
      }

      @Override
      public AutoCloseable onRenewal(java.util.function.BiConsumer<RelayedAddress, RelayedAddress> listener) {
        return () -> { };
      }
    };
  }

  private static TurnStrategy.Config config() {
    return new TurnStrategy.Config() {
      @Override
      public Class<? extends java.lang.annotation.Annotation> annotationType() {
        return TurnStrategy.Config.class;
      }

      @Override
      public int priority() {
        return 70;
      }

      @Override
      public long timeout__ms() {
        return 5000;
      }
    };
  }
}
