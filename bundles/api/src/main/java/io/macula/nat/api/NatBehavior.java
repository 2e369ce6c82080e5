package io.macula.nat.api;

/** A NAT's behaviour, named as RFC 4787 and the classic STUN literature name it. */
public enum NatBehavior {
  /** Not yet discovered. */
  UNKNOWN,
  /** No NAT: the node is reachable at the address it reports. */
  NONE,
  /** Endpoint-independent mapping and filtering. */
  FULL_CONE,
  /** Endpoint-independent mapping, address-dependent filtering. */
  RESTRICTED_CONE,
  /** Endpoint-independent mapping, address-and-port-dependent filtering. */
  PORT_RESTRICTED_CONE,
  /** Address-and-port-dependent mapping: a new public port per destination. */
  SYMMETRIC,
  /** No UDP passes at all. */
  UDP_BLOCKED
}
