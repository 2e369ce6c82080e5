package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** REALM, RFC 8489 §14.9: UTF-8, at most 763 bytes. */
public record Realm(String value) implements StunAttribute {
  public static final int TYPE = 0x0014;
  static final int MAX_BYTES = 763;

  public Realm {
    StunText.check("REALM", value, MAX_BYTES);
  }

  static Realm decode(ByteBuf b, int off, int len, TransactionId tx) {
    return new Realm(StunText.decode("REALM", b, off, len, MAX_BYTES));
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
