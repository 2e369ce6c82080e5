package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/** XOR-PEER-ADDRESS, RFC 8656 §18.3. */
public record XorPeerAddress(InetSocketAddress address) implements StunAttribute {
  public static final int TYPE = 0x0012;

  static XorPeerAddress decode(ByteBuf b, int off, int len, TransactionId tx) {
    return new XorPeerAddress(StunAddress.decode("XOR-PEER-ADDRESS", b, off, len, true, tx));
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
