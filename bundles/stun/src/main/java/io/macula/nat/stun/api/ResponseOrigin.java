package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/** RESPONSE-ORIGIN, RFC 5780 §7.3. */
public record ResponseOrigin(InetSocketAddress address) implements StunAttribute {
  public static final int TYPE = 0x802B;

  static ResponseOrigin decode(ByteBuf b, int off, int len, TransactionId tx) {
    return new ResponseOrigin(StunAddress.decode("RESPONSE-ORIGIN", b, off, len, false, tx));
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
