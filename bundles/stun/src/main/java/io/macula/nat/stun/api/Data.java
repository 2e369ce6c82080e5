package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** DATA, RFC 8656 §18.6: the application data of a Send or Data indication. */
public record Data(byte[] value) implements StunAttribute {
  public static final int TYPE = 0x0013;

  static Data decode(ByteBuf b, int off, int len, TransactionId tx) {
    byte[] v = new byte[len];
    b.getBytes(off, v);
    return new Data(v);
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeBytes(value);
  }

  // A record compares arrays by identity: these compare the bytes.
  @Override
  public boolean equals(Object o) {
    return o instanceof Data other && java.util.Arrays.equals(value, other.value);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "Data[" + value.length + " bytes]";
  }
}
