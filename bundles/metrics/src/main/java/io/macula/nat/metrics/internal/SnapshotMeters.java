package io.macula.nat.metrics.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Counters and gauges whose values come from snapshots a source takes of its own counts: each
 * round sets the values it sees, registering a meter for a series seen the first time and removing
 * those a round no longer saw (their source went, or forgot them). Used by one thread at a time.
 */
final class SnapshotMeters {
  private static final class Value {
    volatile double value;
    boolean seen;
    Meter meter;
  }

  private record Key(String name, Tags tags) {}

  private final MeterRegistry registry;
  private final Map<Key, Value> values = new HashMap<>();

  SnapshotMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Starts a round: what it does not set again goes at {@link #endRound()}. */
  void startRound() {
    values.values().forEach(v -> v.seen = false);
  }

  /** A count that only grows while its source runs (it starts again from zero if the source does). */
  void counter(String name, String description, Tags tags, double count) {
    set(name, tags, count, v -> FunctionCounter.builder(name, v, x -> x.value).tags(tags)
        .description(description).register(registry));
  }

  void gauge(String name, String description, Tags tags, double value) {
    set(name, tags, value, v -> Gauge.builder(name, v, x -> x.value).tags(tags).description(description)
        .strongReference(true).register(registry));
  }

  void endRound() {
    for (Iterator<Value> it = values.values().iterator(); it.hasNext(); ) {
      Value v = it.next();
      if (!v.seen) {
        registry.remove(v.meter);
        it.remove();
      }
    }
  }

  /** Removes every meter this made. */
  void clear() {
    values.values().forEach(v -> registry.remove(v.meter));
    values.clear();
  }

  private void set(String name, Tags tags, double value, java.util.function.Function<Value, Meter> register) {
    Value v = values.computeIfAbsent(new Key(name, tags), k -> new Value());
    v.value = value;
    v.seen = true;
    if (v.meter == null) {
      v.meter = register.apply(v);
    }
  }
}
