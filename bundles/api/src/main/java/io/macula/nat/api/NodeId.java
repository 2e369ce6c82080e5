package io.macula.nat.api;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A node's identity: 32 bytes derived from its public key, printed as 52 characters of lowercase,
 * unpadded base32 (RFC 4648 §6), which survive copy and paste, DNS labels and file names.
 */
public final class NodeId implements Comparable<NodeId> {
  public static final int LENGTH = 32;
  public static final int TEXT_LENGTH = 52;
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

  private final byte[] bytes;

  private NodeId(byte[] bytes) {
    this.bytes = bytes;
  }

  /** The node id of exactly {@value #LENGTH} bytes; the array is copied. */
  public static NodeId of(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("a node id has " + LENGTH + " bytes, not " + bytes.length);
    }
    return new NodeId(bytes.clone());
  }

  /** The node id of a public key: SHA-256 of its encoded SubjectPublicKeyInfo. */
  public static NodeId ofPublicKey(byte[] encodedPublicKey) {
    try {
      return new NodeId(MessageDigest.getInstance("SHA-256").digest(encodedPublicKey));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /**
   * Parses the text form.
   *
   * @throws IllegalArgumentException naming what is wrong with the text
   */
  public static NodeId parse(String text) {
    String s = text.strip().toLowerCase(java.util.Locale.ROOT);
    if (s.length() != TEXT_LENGTH) {
      throw new IllegalArgumentException(
          "a node id has " + TEXT_LENGTH + " characters, '" + text + "' has " + s.length());
    }
    byte[] out = new byte[LENGTH];
    int buffer = 0;
    int bits = 0;
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      int v = ALPHABET.indexOf(s.charAt(i));
      if (v < 0) {
        throw new IllegalArgumentException(
            "a node id uses a-z and 2-7 only; '" + s.charAt(i) + "' at position " + (i + 1));
      }
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        out[n++] = (byte) (buffer >> bits);
      }
    }
    // 52 characters carry 260 bits: the last 4 must be zero, or two texts would name one id.
    if ((buffer & ((1 << bits) - 1)) != 0) {
      throw new IllegalArgumentException("'" + text + "' is not a canonical node id");
    }
    return new NodeId(out);
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  /** The first characters of the text form, enough to tell nodes apart in a table. */
  public String shortForm() {
    return toString().substring(0, 10);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(TEXT_LENGTH);
    int buffer = 0;
    int bits = 0;
    for (byte b : bytes) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        sb.append(ALPHABET.charAt((buffer >> bits) & 31));
      }
    }
    if (bits > 0) {
      sb.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeId other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public int compareTo(NodeId o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }
}
