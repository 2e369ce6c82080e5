package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** LIFETIME, RFC 8656 §18.4: seconds an allocation lives unless refreshed; 0 deletes it. */
public record Lifetime(long seconds) implements StunAttribute {
  public static final int TYPE = 0x000D;

  public Lifetime {
    if (seconds < 0 || seconds > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("a lifetime of " + seconds + " s");
    }
  }

  static Lifetime decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != 4) {
      throw StunParseException.at("LIFETIME", "length " + len + ", not 4");
    }
    return new Lifetime(b.getUnsignedInt(off));
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeInt((int) seconds);
  }
}
