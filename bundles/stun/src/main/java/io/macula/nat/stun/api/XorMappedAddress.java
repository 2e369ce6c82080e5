package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/** XOR-MAPPED-ADDRESS, RFC 8489 §14.2. */
public record XorMappedAddress(InetSocketAddress address) implements StunAttribute {
  public static final int TYPE = 0x0020;

  static XorMappedAddress decode(ByteBuf b, int off, int len, TransactionId tx) {
    return new XorMappedAddress(StunAddress.decode("XOR-MAPPED-ADDRESS", b, off, len, true, tx));
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    StunAddress.encode(out, address, true, tx);
  }
}
