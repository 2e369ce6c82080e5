package io.macula.nat.api;

/**
 * A NAT's behaviour, named as RFC 4787 and the classic STUN literature name it. Each has a fixed
 * code for the wire, never its ordinal: a code a node does not know reads as {@link #UNKNOWN}, so
 * nodes that know more behaviours still talk to those that know fewer.
 */
public enum NatBehavior {
  /** Not yet discovered. */
  UNKNOWN(0),
  /** No NAT: the node is reachable at the address it reports. */
  NONE(1),
  /** Endpoint-independent mapping and filtering. */
  FULL_CONE(2),
  /** Endpoint-independent mapping, address-dependent filtering. */
  RESTRICTED_CONE(3),
  /** Endpoint-independent mapping, address-and-port-dependent filtering. */
  PORT_RESTRICTED_CONE(4),
  /** Address-and-port-dependent mapping: a new public port per destination. */
  SYMMETRIC(5),
  /** No UDP passes at all. */
  UDP_BLOCKED(6);

  private final int code;

  NatBehavior(int code) {
    this.code = code;
  }

  /**
   * Whether a node behind this NAT takes packets from anyone unasked (no NAT, or a full cone): what a
   * node that relays for others must be.
   */
  public boolean letsInUnasked() {
    return this == NONE || this == FULL_CONE;
  }

  /** The behaviour's code on the wire, 0 to 255. */
  public int code() {
    return code;
  }

  /** The behaviour of a code on the wire; {@link #UNKNOWN} for a code this node does not know. */
  public static NatBehavior ofCode(int code) {
    for (NatBehavior b : values()) {
      if (b.code == code) {
        return b;
      }
    }
    return UNKNOWN;
  }
}
