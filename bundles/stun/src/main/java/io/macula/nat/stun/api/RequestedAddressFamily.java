package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** REQUESTED-ADDRESS-FAMILY, RFC 8656 §18.11: the family of the relayed address asked for. */
public record RequestedAddressFamily(int family) implements StunAttribute {
  public static final int TYPE = 0x0017;
  public static final int IPV4 = 0x01;
  public static final int IPV6 = 0x02;

  static RequestedAddressFamily decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != 4) {
      throw StunParseException.at("REQUESTED-ADDRESS-FAMILY", "length " + len + ", not 4");
    }
    return new RequestedAddressFamily(b.getUnsignedByte(off));
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeByte(family);
    out.writeMedium(0); // RFFU
  }
}
