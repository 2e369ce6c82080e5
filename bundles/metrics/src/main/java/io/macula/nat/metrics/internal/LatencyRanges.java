package io.macula.nat.metrics.internal;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.time.Duration;
import java.util.List;

/** A latency histogram as counts in the status page's ranges, read off the buckets at {@link Histograms#BOUNDS}. */
final class LatencyRanges {
  static final List<String> LABELS = List.of("≤10ms", "≤50ms", "≤100ms", "≤200ms", "≤1s", ">1s");

  private LatencyRanges() {}

  static long[] of(Timer timer) {
    HistogramSnapshot s = timer.takeSnapshot();
    long[] out = new long[Histograms.BOUNDS.length + 1];
    long below = 0;
    for (int i = 0; i < Histograms.BOUNDS.length; i++) {
      long atBound = cumulative(s, Histograms.BOUNDS[i]);
      out[i] = atBound - below;
      below = atBound;
    }
    // The count and the buckets are read one after the other: a value recorded in between must
    // not make the last range negative.
    out[Histograms.BOUNDS.length] = Math.max(0, s.count() - below);
    return out;
  }

  /** The count of values at or below the bound: the bucket whose upper bound it is. */
  private static long cumulative(HistogramSnapshot s, Duration bound) {
    double nanos = bound.toNanos();
    for (CountAtBucket b : s.histogramCounts()) {
      if (b.bucket() == nanos) {
        return (long) b.count();
      }
    }
    throw new IllegalStateException("no bucket at " + bound + ": the timer was not built by Histograms");
  }
}
