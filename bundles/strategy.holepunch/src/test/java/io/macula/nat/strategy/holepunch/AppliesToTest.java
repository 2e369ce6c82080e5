package io.macula.nat.strategy.holepunch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NatPairTable;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.Signalling;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The strategy tries exactly the pairs of NATs the table says a hole can open between. */
class AppliesToTest {
  static final Signalling UP = new Signalling() {
    @Override
    public boolean isConnected() {
      return true;
    }

    @Override
    public void signal(NodeId to, byte[] payload) {
      throw new UnsupportedOperationException();
    }
  };

  static Stream<Arguments> everyPair() {
    List<Arguments> out = new ArrayList<>();
    for (NatBehavior local : NatBehavior.values()) {
      for (NatBehavior remote : NatBehavior.values()) {
        out.add(Arguments.of(local, remote));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("everyPair")
  void appliesWhereTheTableSaysAHoleCanOpen(NatBehavior local, NatBehavior remote) {
    HolePunchStrategy strategy = new HolePunchStrategy(config(3000), null, null, UP);
    NodePair pair = new NodePair(node(1, local), node(2, remote));
    assertEquals(NatPairTable.unpunchable(local, remote).isEmpty(), strategy.appliesTo(pair).applies(),
        strategy.appliesTo(pair).reason());
  }

  @org.junit.jupiter.api.Test
  void aTimeoutUnder1MsIsRefusedNamingItsKey() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new HolePunchStrategy(config(0), null, null, UP));
    assertEquals("io.macula.nat.strategy.holepunch: key 'timeout_ms' must be at least 1, not 0", e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void itsPriorityAndTimeoutAreItsConfigurations() {
    HolePunchStrategy strategy = new HolePunchStrategy(config(1234), null, null, UP);
    assertEquals(80, strategy.priority());
    assertEquals(java.time.Duration.ofMillis(1234), strategy.timeout());
  }

  /** The configuration DS would give: the default priority, and this timeout. */
  static HolePunchStrategy.Config config(long timeoutMs) {
    return new HolePunchStrategy.Config() {
      @Override
      public Class<? extends java.lang.annotation.Annotation> annotationType() {
        return HolePunchStrategy.Config.class;
      }

      @Override
      public int priority() {
        return 80;
      }

      @Override
      public long timeout__ms() {
        return timeoutMs;
      }
    };
  }

  private static NodeDescriptor node(int n, NatBehavior nat) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    InetSocketAddress at = new InetSocketAddress("198.51.100." + n, 4000);
    return new NodeDescriptor(NodeId.of(id), List.of(), Optional.of(at), nat, false);
  }
}
