package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/** OTHER-ADDRESS, RFC 5780 §7.4. */
public record OtherAddress(InetSocketAddress address) implements StunAttribute {
  public static final int TYPE = 0x802C;

  static OtherAddress decode(ByteBuf b, int off, int len, TransactionId tx) {
    return new OtherAddress(StunAddress.decode("OTHER-ADDRESS", b, off, len, false, tx));
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
