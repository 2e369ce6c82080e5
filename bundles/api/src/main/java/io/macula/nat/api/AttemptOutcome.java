package io.macula.nat.api;

/** How one strategy's attempt ended. */
public enum AttemptOutcome {
  SUCCEEDED,
  NOT_APPLICABLE,
  TIMED_OUT,
  REFUSED,
  NETWORK_ERROR,
  /** The strategy broke its contract: it threw, or yielded no path. */
  INTERNAL_ERROR,
  /** Stopped before it ended: another strategy won, the strategy left, or the caller gave up. */
  CANCELLED;

  public static AttemptOutcome of(StrategyFailure.Kind kind) {
    return switch (kind) {
      case NOT_APPLICABLE -> NOT_APPLICABLE;
      case TIMED_OUT -> TIMED_OUT;
      case REFUSED -> REFUSED;
      case NETWORK_ERROR -> NETWORK_ERROR;
    };
  }

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
