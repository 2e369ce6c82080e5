package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** DONT-FRAGMENT, RFC 8656 §18.8: no value. */
public record DontFragment() implements StunAttribute {
  public static final int TYPE = 0x001A;

  static DontFragment decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != 0) {
      throw StunParseException.at("DONT-FRAGMENT", "length " + len + ", not 0");
    }
    return new DontFragment();
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {}
}
