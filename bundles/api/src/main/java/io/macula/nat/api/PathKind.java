package io.macula.nat.api;

/** The kind of a path beneath a peer connection. */
public enum PathKind {
  DIRECT(false),
  HOLE_PUNCHED(false),
  PEER_RELAY(true),
  HUB_RELAY(true),
  TURN(true);

  private final boolean relayed;

  PathKind(boolean relayed) {
    this.relayed = relayed;
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
