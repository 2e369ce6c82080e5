package io.macula.nat.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class SnapshotMetersTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final SnapshotMeters meters = new SnapshotMeters(registry);

  @Test
  void aRoundSetsTheValuesItSawAndRegistersEachSeriesOnce() {
    round(3, 1);
    round(7, 2);
    assertEquals(7, registry.get("drops").tags("reason", "a").functionCounter().count());
    assertEquals(2, registry.get("conns").tags("kind", "direct").gauge().value());
    assertEquals(2, registry.getMeters().size());
  }

  @Test
  void aSeriesARoundNoLongerSeesLeavesTheRegistry() {
    round(3, 1);
    meters.startRound();
    meters.gauge("conns", "", Tags.of("kind", "direct"), 5);
    meters.endRound();
    assertNull(registry.find("drops").functionCounter());
    assertEquals(5, registry.get("conns").gauge().value());
  }

  @Test
  void clearRemovesEverySeries() {
    round(3, 1);
    meters.clear();
    assertEquals(0, registry.getMeters().size());
  }

  private void round(long drops, int connections) {
    meters.startRound();
    meters.counter("drops", "", Tags.of("reason", "a"), drops);
    meters.gauge("conns", "", Tags.of("kind", "direct"), connections);
    meters.endRound();
  }
}
