package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** SOFTWARE, RFC 8489 §14.14: UTF-8, at most 763 bytes. */
public record Software(String value) implements StunAttribute {
  public static final int TYPE = 0x8022;
  static final int MAX_BYTES = 763;

  public Software {
    StunText.check("SOFTWARE", value, MAX_BYTES);
  }

  static Software decode(ByteBuf b, int off, int len, TransactionId tx) {
    return new Software(StunText.decode("SOFTWARE", b, off, len, MAX_BYTES));
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    StunText.encode(out, value);
  }
}
