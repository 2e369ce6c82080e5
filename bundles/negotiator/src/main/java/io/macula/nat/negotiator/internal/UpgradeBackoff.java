package io.macula.nat.negotiator.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * When the next upgrade attempt with one peer may start: a first delay after the connection went
 * over a relay, then one that doubles with each failure up to a ceiling, each with jitter; and at
 * once when the conditions that made it fail change (a NAT report, an address, the strategy
 * enabled). One attempt at a time. Used by one thread.
 */
final class UpgradeBackoff {
  private final long firstNanos;
  private final long maxNanos;
  private long delayNanos;
  private long nextNanos;
  private Object conditions;
  private boolean inFlight;
  private boolean succeeded;
  private long succeededNanos;

  UpgradeBackoff(Duration first, Duration max, long nowNanos, Object conditions) {
    this.firstNanos = first.toNanos();
    this.maxNanos = max.toNanos();
    this.delayNanos = firstNanos;
    this.nextNanos = nowNanos + firstNanos;
    this.conditions = conditions;
  }

  /** What the attempts depend on now: when it differs from before, the next one may start at once. */
  void conditions(Object now, long nowNanos) {
    if (!Objects.equals(now, conditions)) {
      conditions = now;
      delayNanos = firstNanos;
      nextNanos = nowNanos;
    }
  }

  boolean due(long nowNanos) {
    return !inFlight && nowNanos - nextNanos >= 0;
  }

  void started() {
    inFlight = true;
    succeeded = false; // a new attempt: what the last success found is no longer the question
  }

  /** @param jitter a factor around 1 (0.8 to 1.2), so that many peers' attempts do not fall in step */
  void failed(long nowNanos, double jitter) {
    inFlight = false;
    succeeded = false; // counted once: a later fallback is not this success's too
    nextNanos = nowNanos + (long) (delayNanos * jitter);
    delayNanos = Math.min(delayNanos * 2, maxNanos);
  }

  /**
   * The attempt moved the connection. The delay stays as it was until the path proves to last
   * ({@link #lasted}): one that dies at once counts as a failure after all.
   */
  void succeeded(long nowNanos) {
    inFlight = false;
    succeeded = true;
    succeededNanos = nowNanos;
    nextNanos = nowNanos + firstNanos;
  }

  /** The path the latest success found lasted: the next attempt, when one is needed, starts afresh. */
  void lasted(long nowNanos) {
    succeeded = false;
    delayNanos = firstNanos;
    nextNanos = nowNanos + firstNanos;
  }

  /** Whether the latest success was within {@code windowNanos} of now. */
  boolean succeededWithin(long nowNanos, long windowNanos) {
    return succeeded && nowNanos - succeededNanos <= windowNanos;
  }

  /** Nanoseconds until the next attempt may start (0 when due), for operators. */
  long remaining(long nowNanos) {
    return Math.max(0, nextNanos - nowNanos);
  }
}
