package io.macula.nat.api;

/** The kind of a path beneath a peer connection. */
public enum PathKind {
  DIRECT(false, 50),
  HOLE_PUNCHED(false, 100),
  PEER_RELAY(true, 200),
  HUB_RELAY(true, 200),
  TURN(true, 200);

  private final boolean relayed;
  private final java.time.Duration latencyTarget;

  PathKind(boolean relayed, long latencyTargetMs) {
    this.relayed = relayed;
    this.latencyTarget = java.time.Duration.ofMillis(latencyTargetMs);
  }

  /**
   * The roadmap's target for the round trip over such a path: direct under 50 ms, hole punched
   * (STUN) under 100 ms, relayed (TURN, and every other relay with it) under 200 ms.
   */
  public java.time.Duration latencyTarget() {
    return latencyTarget;
  }

  /** Whether the packets pass through a third party (which carries them encrypted). */
  public boolean relayed() {
    return relayed;
  }

  /** The lowercase, hyphenated name an operator reads and types. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
