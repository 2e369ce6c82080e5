package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** USERNAME, RFC 8489 §14.3: UTF-8, at most 513 bytes. */
public record Username(String value) implements StunAttribute {
  public static final int TYPE = 0x0006;
  static final int MAX_BYTES = 513;

  public Username {
    if (value.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw new IllegalArgumentException("USERNAME has at most " + MAX_BYTES + " bytes");
    }
  }

  static Username decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len > MAX_BYTES) {
      throw StunParseException.at("USERNAME", "length " + len + " over " + MAX_BYTES);
    }
    return new Username(b.toString(off, len, StandardCharsets.UTF_8));
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
