package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** NONCE, RFC 8489 §14.10: UTF-8, at most 763 bytes. */
public record Nonce(String value) implements StunAttribute {
  public static final int TYPE = 0x0015;
  static final int MAX_BYTES = 763;

  public Nonce {
    StunText.check("NONCE", value, MAX_BYTES);
  }

  static Nonce decode(ByteBuf b, int off, int len, TransactionId tx) {
    return new Nonce(StunText.decode("NONCE", b, off, len, MAX_BYTES));
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
