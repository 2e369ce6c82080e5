package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** USERNAME, RFC 8489 §14.3: UTF-8, at most 513 bytes. */
public record Username(String value) implements StunAttribute {
  public static final int TYPE = 0x0006;
  static final int MAX_BYTES = 513;

  public Username {
    StunText.check("USERNAME", value, MAX_BYTES);
  }

  static Username decode(ByteBuf b, int off, int len, TransactionId tx) {
    return new Username(StunText.decode("USERNAME", b, off, len, MAX_BYTES));
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
