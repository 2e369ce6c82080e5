package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/**
 * EVEN-PORT, RFC 8656 §18.5: the relayed port must be even; with R, the next one is to be kept
 * for a later allocation too (RTP and RTCP).
 */
public record EvenPort(boolean reserveNext) implements StunAttribute {
  public static final int TYPE = 0x0018;

  static EvenPort decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != 1) {
      throw StunParseException.at("EVEN-PORT", "length " + len + ", not 1");
    }
    return new EvenPort((b.getUnsignedByte(off) & 0x80) != 0);
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeByte(reserveNext ? 0x80 : 0);
  }
}
