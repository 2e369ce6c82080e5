package io.macula.nat.stun.api;

/** The class of a STUN message, RFC 8489 §5: two bits of the message type. */
public enum StunClass {
  REQUEST,
  INDICATION,
  SUCCESS_RESPONSE,
  ERROR_RESPONSE
}
