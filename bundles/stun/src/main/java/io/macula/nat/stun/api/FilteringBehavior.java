package io.macula.nat.stun.api;

/** Which unsolicited senders a NAT lets through to a mapping, RFC 4787 §5, RFC 5780 §4.4. */
public enum FilteringBehavior {
  /** No server answered the tests that tell. */
  UNKNOWN,
  ENDPOINT_INDEPENDENT,
  ADDRESS_DEPENDENT,
  ADDRESS_AND_PORT_DEPENDENT
}
