package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** FINGERPRINT, RFC 8489 §14.7. */
public record Fingerprint(long value) implements StunAttribute {
  public static final int TYPE = 0x8028;

  static Fingerprint decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != 4) {
      throw StunParseException.at("FINGERPRINT", "length " + len + ", not 4");
    }
    return new Fingerprint(b.getUnsignedInt(off));
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
