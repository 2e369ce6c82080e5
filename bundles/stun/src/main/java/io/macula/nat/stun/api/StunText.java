package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** The value of the text attributes (USERNAME, REALM, NONCE, SOFTWARE): UTF-8, with a limit in bytes. */
final class StunText {
  private StunText() {}

  /** @throws IllegalArgumentException when {@code value} is longer than {@code maxBytes} in UTF-8 */
  static void check(String name, String value, int maxBytes) {
    if (value.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw new IllegalArgumentException(name + " has at most " + maxBytes + " bytes");
    }
  }

  static String decode(String name, ByteBuf b, int off, int len, int maxBytes) {
    if (len > maxBytes) {
      throw StunParseException.at(name, "length " + len + " over " + maxBytes);
    }
    String value = b.toString(off, len, StandardCharsets.UTF_8);
    // Bytes that are not UTF-8 decode to U+FFFD, three bytes each: the text may now be too long.
    if (value.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw StunParseException.at(name, "not UTF-8");
    }
    return value;
  }

  static void encode(ByteBuf out, String value) {
    out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
  }
}
