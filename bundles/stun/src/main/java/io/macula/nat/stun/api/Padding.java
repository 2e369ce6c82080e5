package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** PADDING, RFC 5780 §7.6: bytes that only make the message larger. */
public record Padding(int length) implements StunAttribute {
  public static final int TYPE = 0x0026;

  static Padding decode(ByteBuf b, int off, int len, TransactionId tx) {
    return new Padding(len);
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeZero(length);
  }
}
