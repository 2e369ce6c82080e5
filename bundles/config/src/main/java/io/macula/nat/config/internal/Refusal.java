package io.macula.nat.config.internal;

/** One key of a proposed configuration the guard refused, and why. */
record Refusal(String key, Object value, String reason) {
  @Override
  public String toString() {
    return key + "=" + Values.show(value) + " (" + reason + ")";
  }
}
