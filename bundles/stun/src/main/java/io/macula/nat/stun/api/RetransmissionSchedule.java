package io.macula.nat.stun.api;

import java.time.Duration;

/**
 * When a request over UDP is sent again, RFC 8489 §6.2.1: first after {@code rto}, each wait twice
 * the one before, {@code rc} sends in all, then {@code rm} times {@code rto} for the last answer.
 */
public record RetransmissionSchedule(Duration rto, int rc, int rm) {
  /** The RFC's defaults: RTO 500 ms, Rc 7, Rm 16: 39.5 s before giving up. */
  public static final RetransmissionSchedule RFC_DEFAULT = new RetransmissionSchedule(Duration.ofMillis(500), 7, 16);

  public RetransmissionSchedule {
    if (rto.isNegative() || rto.isZero()) {
      throw new IllegalArgumentException("RTO must be positive, not " + rto);
    }
    if (rc < 1 || rm < 1) {
      throw new IllegalArgumentException("Rc and Rm are at least 1, not " + rc + " and " + rm);
    }
  }

  /** Milliseconds from the first send to the n-th (0-based); the last entry, n == rc, is the give-up. */
  public long offsetMillis(int n) {
    long rtoMs = rto.toMillis();
    if (n >= rc) {
      return offsetMillis(rc - 1) + rm * rtoMs;
    }
    return rtoMs * ((1L << n) - 1);
  }

  /** How long a transaction waits before it gives up. */
  public Duration giveUp() {
    return Duration.ofMillis(offsetMillis(rc));
  }
}
