package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** MESSAGE-INTEGRITY, RFC 8489 §14.5: HMAC-SHA1 of the message before it, 20 bytes. */
public record MessageIntegrity(byte[] hmac) implements StunAttribute {
  public static final int TYPE = 0x0008;
  public static final int LENGTH = 20;

  static MessageIntegrity decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != LENGTH) {
      throw StunParseException.at("MESSAGE-INTEGRITY", "length " + len + ", not 20");
    }
    byte[] h = new byte[LENGTH];
    b.getBytes(off, h);
    return new MessageIntegrity(h);
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeBytes(hmac);
  }

  // A record compares arrays by identity: these compare (and print) the bytes.
  @Override
  public boolean equals(Object o) {
    return o instanceof MessageIntegrity other && java.util.Arrays.equals(hmac, other.hmac);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(hmac);
  }

  @Override
  public String toString() {
    return "MessageIntegrity[hmac=" + java.util.HexFormat.of().formatHex(hmac) + "]";
  }
}
