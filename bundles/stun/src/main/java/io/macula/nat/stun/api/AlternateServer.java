package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/** ALTERNATE-SERVER, RFC 8489 §14.15. */
public record AlternateServer(InetSocketAddress address) implements StunAttribute {
  public static final int TYPE = 0x8023;

  static AlternateServer decode(ByteBuf b, int off, int len, TransactionId tx) {
    return new AlternateServer(StunAddress.decode("ALTERNATE-SERVER", b, off, len, false, tx));
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
