package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** NONCE, RFC 8489 §14.10: UTF-8, at most 763 bytes. */
public record Nonce(String value) implements StunAttribute {
  public static final int TYPE = 0x0015;
  static final int MAX_BYTES = 763;

  public Nonce {
    if (value.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw new IllegalArgumentException("NONCE has at most " + MAX_BYTES + " bytes");
    }
  }

  static Nonce decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len > MAX_BYTES) {
      throw StunParseException.at("NONCE", "length " + len + " over " + MAX_BYTES);
    }
    return new Nonce(b.toString(off, len, StandardCharsets.UTF_8));
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
  }
}
