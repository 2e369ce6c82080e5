package io.macula.nat.api;

import java.util.Objects;

/** Whether a strategy can be tried for a pair of nodes, and if not, why. */
public record Applicability(boolean applies, String reason) {
  private static final Applicability YES = new Applicability(true, "");

  public Applicability {
    Objects.requireNonNull(reason, "reason");
  }

  public static Applicability yes() {
    return YES;
  }

  public static Applicability no(String reason) {
    return new Applicability(false, reason);
  }
}
