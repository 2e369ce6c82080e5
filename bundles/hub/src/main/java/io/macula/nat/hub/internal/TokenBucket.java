package io.macula.nat.hub.internal;

import java.time.Clock;

/** {@code burst} at once, then {@code perSecond}: what one node may ask of the hub. */
final class TokenBucket {
  private final double burst;
  private final double perMilli;
  private final Clock clock;
  private double tokens;
  private long last;

  TokenBucket(int burst, double perSecond, Clock clock) {
    this.burst = burst;
    this.perMilli = perSecond / 1000;
    this.clock = clock;
    this.tokens = burst;
    this.last = clock.millis();
  }

  /** Takes a token if there is one. One thread at a time (a session's reader). */
  boolean take() {
    long now = clock.millis();
    tokens = Math.min(burst, tokens + (now - last) * perMilli);
    last = now;
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }
}
