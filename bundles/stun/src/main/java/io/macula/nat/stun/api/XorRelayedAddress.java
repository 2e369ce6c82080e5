package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/** XOR-RELAYED-ADDRESS, RFC 8656 §18.5. */
public record XorRelayedAddress(InetSocketAddress address) implements StunAttribute {
  public static final int TYPE = 0x0016;

  static XorRelayedAddress decode(ByteBuf b, int off, int len, TransactionId tx) {
    return new XorRelayedAddress(StunAddress.decode("XOR-RELAYED-ADDRESS", b, off, len, true, tx));
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
