package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** PRIORITY, RFC 8445 §16.1. */
public record Priority(long value) implements StunAttribute {
  public static final int TYPE = 0x0024;

  static Priority decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != 4) {
      throw StunParseException.at("PRIORITY", "length " + len + ", not 4");
    }
    return new Priority(b.getUnsignedInt(off));
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeInt((int) value);
  }
}
