package io.macula.nat.api;

import java.util.Objects;

/** The typed reason a strategy found no path. The message says why, for an operator. */
public final class StrategyFailure extends Exception {
  private static final long serialVersionUID = 1L;

  /** What kind of failure a strategy reports. */
  public enum Kind {
    /** The strategy cannot work for this pair of nodes. */
    NOT_APPLICABLE,
    /** The strategy gave up waiting (its own deadline, shorter than the negotiator's). */
    TIMED_OUT,
    /** The other side, or a relay, refused. */
    REFUSED,
    /** The network failed: unreachable, reset, no answer to a probe. */
    NETWORK_ERROR
  }

  private final Kind kind;

  public StrategyFailure(Kind kind, String reason) {
    this(kind, reason, null);
  }

  public StrategyFailure(Kind kind, String reason, Throwable cause) {
    super(Objects.requireNonNull(reason, "reason"), cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public static StrategyFailure notApplicable(String reason) {
    return new StrategyFailure(Kind.NOT_APPLICABLE, reason);
  }

  public static StrategyFailure timedOut(String reason) {
    return new StrategyFailure(Kind.TIMED_OUT, reason);
  }

  public static StrategyFailure refused(String reason) {
    return new StrategyFailure(Kind.REFUSED, reason);
  }

  public static StrategyFailure networkError(String reason, Throwable cause) {
    return new StrategyFailure(Kind.NETWORK_ERROR, reason, cause);
  }

  public Kind kind() {
    return kind;
  }
}
