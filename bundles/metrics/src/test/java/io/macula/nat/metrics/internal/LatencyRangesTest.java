package io.macula.nat.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LatencyRangesTest {
  @Test
  void eachValueCountsInItsRangeAndABoundBelongsToTheRangeItEnds() {
    // The registry the node serves: its buckets, not a simple registry's, are what the page reads.
    Timer t = Histograms.latency("t", "").register(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    for (long ms : new long[] {1, 10, 11, 50, 99, 150, 200, 201, 999, 1000, 5000, 30_000}) {
      t.record(Duration.ofMillis(ms));
    }
    assertArrayEquals(new long[] {2, 2, 1, 2, 3, 2}, LatencyRanges.of(t));
  }
}
