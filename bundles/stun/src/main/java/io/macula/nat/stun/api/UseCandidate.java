package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** USE-CANDIDATE, RFC 8445 §16.1: no value. */
public record UseCandidate() implements StunAttribute {
  public static final int TYPE = 0x0025;

  static UseCandidate decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != 0) {
      throw StunParseException.at("USE-CANDIDATE", "length " + len + ", not 0");
    }
    return new UseCandidate();
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {}
}
