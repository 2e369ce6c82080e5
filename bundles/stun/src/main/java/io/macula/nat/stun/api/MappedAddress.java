package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/** MAPPED-ADDRESS, RFC 8489 §14.1. */
public record MappedAddress(InetSocketAddress address) implements StunAttribute {
  public static final int TYPE = 0x0001;

  static MappedAddress decode(ByteBuf b, int off, int len, TransactionId tx) {
    return new MappedAddress(StunAddress.decode("MAPPED-ADDRESS", b, off, len, false, tx));
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    StunAddress.encode(out, address, false, tx);
  }
}
