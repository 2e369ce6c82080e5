package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** ICE-CONTROLLING, RFC 8445 §16.1. */
public record IceControlling(long value) implements StunAttribute {
  public static final int TYPE = 0x802A;

  static IceControlling decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != 8) {
      throw StunParseException.at("ICE-CONTROLLING", "length " + len + ", not 8");
    }
    return new IceControlling(b.getLong(off));
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeLong(value);
  }
}
