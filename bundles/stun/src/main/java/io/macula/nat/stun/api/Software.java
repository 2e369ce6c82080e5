package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** SOFTWARE, RFC 8489 §14.14: UTF-8, at most 763 bytes. */
public record Software(String value) implements StunAttribute {
  public static final int TYPE = 0x8022;
  static final int MAX_BYTES = 763;

  public Software {
    if (value.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw new IllegalArgumentException("SOFTWARE has at most " + MAX_BYTES + " bytes");
    }
  }

  static Software decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len > MAX_BYTES) {
      throw StunParseException.at("SOFTWARE", "length " + len + " over " + MAX_BYTES);
    }
    return new Software(b.toString(off, len, StandardCharsets.UTF_8));
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
