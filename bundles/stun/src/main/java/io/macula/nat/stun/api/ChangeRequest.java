package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** CHANGE-REQUEST, RFC 5780 §7.2: answer from another IP address (A), another port (B), or both. */
public record ChangeRequest(boolean changeIp, boolean changePort) implements StunAttribute {
  public static final int TYPE = 0x0003;

  static ChangeRequest decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != 4) {
      throw StunParseException.at("CHANGE-REQUEST", "length " + len + ", not 4");
    }
    long flags = b.getUnsignedInt(off);
    return new ChangeRequest((flags & 0x4) != 0, (flags & 0x2) != 0);
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeInt((changeIp ? 0x4 : 0) | (changePort ? 0x2 : 0));
  }
}
