package io.macula.nat.stun.api;

/** How a NAT maps a node's address towards different destinations, RFC 4787 §4.1, RFC 5780 §4.3. */
public enum MappingBehavior {
  /** No server answered the tests that tell. */
  UNKNOWN,
  /** The mapped address is the node's own: no NAT. */
  NO_NAT,
  ENDPOINT_INDEPENDENT,
  ADDRESS_DEPENDENT,
  ADDRESS_AND_PORT_DEPENDENT
}
