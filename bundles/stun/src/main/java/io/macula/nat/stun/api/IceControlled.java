package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** ICE-CONTROLLED, RFC 8445 §16.1. */
public record IceControlled(long value) implements StunAttribute {
  public static final int TYPE = 0x8029;

  static IceControlled decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != 8) {
      throw StunParseException.at("ICE-CONTROLLED", "length " + len + ", not 8");
    }
    return new IceControlled(b.getLong(off));
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
