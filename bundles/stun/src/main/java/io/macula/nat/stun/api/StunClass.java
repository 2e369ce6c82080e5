package io.macula.nat.stun.api;

/**
 * The class of a STUN message, RFC 8489 §5: two bits of the message type, C1 and C0, given here as
 * the code {@code 0bC1C0} each class has on the wire.
 */
public enum StunClass {
  REQUEST(0b00),
  INDICATION(0b01),
  SUCCESS_RESPONSE(0b10),
  ERROR_RESPONSE(0b11);

  private final int code;

  StunClass(int code) {
    this.code = code;
  }

  /** The two bits C1 C0, §5. */
  int code() {
    return code;
  }

  /** The class of the two bits C1 C0; every value of two bits names one. */
  static StunClass ofCode(int code) {
    for (StunClass c : values()) {
      if (c.code == code) {
        return c;
      }
    }
    throw new IllegalArgumentException("a class has two bits, not " + code);
  }
}
