package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** REQUESTED-TRANSPORT, RFC 8656 §18.7: the protocol between relay and peers; UDP (17) in TURN. */
public record RequestedTransport(int protocol) implements StunAttribute {
  public static final int TYPE = 0x0019;
  public static final int UDP = 17;

  public RequestedTransport {
    if (protocol < 0 || protocol > 255) {
      throw new IllegalArgumentException("protocol " + protocol);
    }
  }

  static RequestedTransport decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != 4) {
      throw StunParseException.at("REQUESTED-TRANSPORT", "length " + len + ", not 4");
    }
    return new RequestedTransport(b.getUnsignedByte(off));
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeByte(protocol);
    out.writeMedium(0); // RFFU
  }
}
