package io.macula.nat.turn.internal;

/**
 * A token bucket over bytes: at most {@code bytesPerSecond} on average, a second's worth at once.
 * Used by one thread (the server's); 0 means no limit.
 */
final class BandwidthLimit {
  private final long bytesPerSecond;
  private double tokens;
  private long lastNanos;

  BandwidthLimit(long bytesPerSecond, long nowNanos) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("a bandwidth limit is 0 (none) or more bytes a second, not " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.tokens = bytesPerSecond;
    this.lastNanos = nowNanos;
  }

  /** Whether there is a limit at all: without one, the relay need not read the clock per packet. */
  boolean limits() {
    return bytesPerSecond > 0;
  }

  /** Whether {@code bytes} may pass now; if so they are taken from the bucket. */
  boolean take(long bytes, long nowNanos) {
    if (bytesPerSecond == 0) {
      return true;
    }
    tokens = Math.min(bytesPerSecond, tokens + (nowNanos - lastNanos) * (bytesPerSecond / 1e9));
    lastNanos = nowNanos;
    if (tokens < bytes) {
      return false;
    }
    tokens -= bytes;
    return true;
  }
}
