package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** An attribute this codec does not know, kept as its bytes so that newer peers still parse. */
public record UnknownAttribute(int type, byte[] value) implements StunAttribute {
  static UnknownAttribute decode(int type, ByteBuf b, int off, int len) {
    byte[] v = new byte[len];
    b.getBytes(off, v);
    return new UnknownAttribute(type, v);
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeBytes(value);
  }

  // A record compares arrays by identity: these compare (and print) the bytes.
  @Override
  public boolean equals(Object o) {
    return o instanceof UnknownAttribute other && type == other.type && java.util.Arrays.equals(value, other.value);
  }

  @Override
  public int hashCode() {
    return 31 * type + java.util.Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "UnknownAttribute[type=" + type + ", value=" + java.util.HexFormat.of().formatHex(value) + "]";
  }
}
