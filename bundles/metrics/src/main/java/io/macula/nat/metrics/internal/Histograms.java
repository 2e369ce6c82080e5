package io.macula.nat.metrics.internal;

import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The shape every latency histogram of the node shares: buckets for Prometheus, the roadmap's
 * targets (50, 100, 200 ms) among their bounds with 10 ms and 1 s (the status page's ranges), and
 * p50/p95/p99 for the shell.
 */
final class Histograms {
  /** The bounds every histogram has exactly. */
  static final Duration[] BOUNDS = {Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(200), Duration.ofSeconds(1)};

  /** How far back the client-side percentiles and max look. */
  static final Duration PERCENTILE_WINDOW = Duration.ofMinutes(10);

  private Histograms() {}

  static Timer.Builder latency(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .serviceLevelObjectives(BOUNDS)
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        // Client-side percentiles, for nat:stats: over the last 10 minutes (a rolling window), to
        // three significant digits. Prometheus' buckets are exact and count since start.
        .publishPercentiles(0.5, 0.95, 0.99)
        .percentilePrecision(3)
        .distributionStatisticExpiry(PERCENTILE_WINDOW);
  }
}
