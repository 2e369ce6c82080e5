package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/** UNKNOWN-ATTRIBUTES, RFC 8489 §14.13: the comprehension-required types a server did not know. */
public record UnknownAttributes(List<Integer> types) implements StunAttribute {
  public static final int TYPE = 0x000A;

  public UnknownAttributes {
    types = List.copyOf(types);
  }

  static UnknownAttributes decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len % 2 != 0) {
      throw StunParseException.at("UNKNOWN-ATTRIBUTES", "odd length " + len);
    }
    List<Integer> types = new ArrayList<>(len / 2);
    for (int i = 0; i < len; i += 2) {
      types.add(b.getUnsignedShort(off + i));
    }
    return new UnknownAttributes(types);
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    types.forEach(out::writeShort);
  }
}
