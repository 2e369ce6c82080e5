package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** RESPONSE-PORT, RFC 5780 §7.5: the port to answer to, then two bytes of padding. */
public record ResponsePort(int port) implements StunAttribute {
  public static final int TYPE = 0x0027;

  static ResponsePort decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != 4) {
      throw StunParseException.at("RESPONSE-PORT", "length " + len + ", not 4");
    }
    return new ResponsePort(b.getUnsignedShort(off));
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeShort(port);
    out.writeShort(0);
  }
}
