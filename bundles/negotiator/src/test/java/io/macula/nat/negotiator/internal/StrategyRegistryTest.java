package io.macula.nat.negotiator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.PathKind;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class StrategyRegistryTest {
  private final StrategyRegistry registry = new StrategyRegistry();

  @Test
  void overridesReorderAndDisable() {
    registry.add(new Fixed("direct", 100), "a");
    registry.add(new Fixed("hubrelay", 40), "b");
    assertEquals(java.util.List.of("direct", "hubrelay"), names());

    registry.addOverride(override(Map.of("name", "hubrelay", "priority", "120")));
    assertEquals(java.util.List.of("hubrelay", "direct"), names());

    registry.addOverride(override(Map.of("name", "direct", "enabled", "false")));
    assertEquals(java.util.List.of("hubrelay"), registry.plan().stream().map(EffectiveStrategy::name).toList());
    assertFalse(registry.find("direct").orElseThrow().enabled());
  }

  @Test
  void aSecondStrategyOfTheSameNameIsRefused() {
    assertTrue(registry.add(new Fixed("direct", 100), "a").isEmpty());
    assertEquals(
        "a strategy named 'direct' is already present, from a",
        registry.add(new Fixed("direct", 1), "b").orElseThrow());
  }

  @Test
  void aStrategyWithABadNameIsRefused() {
    assertTrue(registry.add(new Fixed("Has Space", 1), "a").isPresent());
    assertTrue(registry.all().isEmpty());
  }

  static Stream<Arguments> badOverrides() {
    return Stream.of(
        Arguments.of(Map.of("priority", "1"), "key 'name' is required"),
        Arguments.of(Map.of("name", "x", "priority", "high"), "key 'priority' must be an integer, not 'high'"),
        Arguments.of(Map.of("name", "x", "timeout_ms", "0"), "key 'timeout_ms' must be at least 1, not 0"),
        Arguments.of(Map.of("name", "x", "timeout_ms", "soon"), "key 'timeout_ms' must be milliseconds, not 'soon'"),
        Arguments.of(Map.of("name", "x", "enabled", "yes"), "key 'enabled' must be true or false, not 'yes'"));
  }

  @ParameterizedTest
  @MethodSource("badOverrides")
  void aBadOverrideNamesItsKeyAndReason(Map<String, Object> config, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> override(config));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  private java.util.List<String> names() {
    return registry.all().stream().map(EffectiveStrategy::name).toList();
  }

  private static StrategyOverride override(Map<String, Object> config) {
    return new StrategyOverride(config);
  }

  private record Fixed(String name, int priority) implements io.macula.nat.api.ConnectionStrategy {
    @Override
    public Duration timeout() {
      return Duration.ofSeconds(1);
    }

    @Override
    public io.macula.nat.api.Applicability appliesTo(io.macula.nat.api.NodePair pair) {
      return io.macula.nat.api.Applicability.yes();
    }

    @Override
    public java.util.concurrent.CompletableFuture<io.macula.nat.api.PeerPath> attempt(
        io.macula.nat.api.NodePair pair) {
      return java.util.concurrent.CompletableFuture.completedFuture(
          new NegotiationTest.TestPath(name, PathKind.DIRECT));
    }
  }
}
