package io.macula.nat.metrics.internal;

/**
 * A part of the node whose counts are read when the metrics are: each report sets every series it
 * has now, and a series no report sets any more goes.
 */
interface MeterSource {
  void report(SnapshotMeters meters);
}
