package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** MESSAGE-INTEGRITY-SHA256, RFC 8489 §14.6: HMAC-SHA256, 16 to 32 bytes, a multiple of 4. */
public record MessageIntegritySha256(byte[] hmac) implements StunAttribute {
  public static final int TYPE = 0x001C;

  static MessageIntegritySha256 decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len < 16 || len > 32 || len % 4 != 0) {
      throw StunParseException.at("MESSAGE-INTEGRITY-SHA256", "length " + len);
    }
    byte[] h = new byte[len];
    b.getBytes(off, h);
    return new MessageIntegritySha256(h);
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
    return o instanceof MessageIntegritySha256 other && java.util.Arrays.equals(hmac, other.hmac);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(hmac);
  }

  @Override
  public String toString() {
    return "MessageIntegritySha256[hmac=" + java.util.HexFormat.of().formatHex(hmac) + "]";
  }
}
