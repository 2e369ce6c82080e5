package io.macula.nat.stun.api;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/** The 96-bit transaction id of a STUN message, RFC 8489 §5. */
public final class TransactionId {
  public static final int LENGTH = 12;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] bytes;

  private TransactionId(byte[] bytes) {
    this.bytes = bytes;
  }

  public static TransactionId random() {
    byte[] b = new byte[LENGTH];
    RANDOM.nextBytes(b);
    return new TransactionId(b);
  }

  public static TransactionId of(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("a transaction id has 12 bytes, not " + bytes.length);
    }
    return new TransactionId(bytes.clone());
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TransactionId t && Arrays.equals(bytes, t.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return HexFormat.of().formatHex(bytes);
  }
}
