package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The value of the address attributes, RFC 8489 §14.1 and §14.2; the XOR form masks the port
 * with the magic cookie's top half and the address with the cookie (and, for IPv6, the
 * transaction id).
 *
 * <pre>
 * +---------------+---------------+-------------------------------+
 * |   reserved    |    Family     |         (X-)Port              |
 * +---------------+---------------+-------------------------------+
 * |             (X-)Address (32 bits or 128 bits)                 |
 * </pre>
 */
final class StunAddress {
  private StunAddress() {}

  static InetSocketAddress decode(String name, ByteBuf b, int off, int len, boolean xor, TransactionId tx) {
    if (len < 4) {
      throw StunParseException.at(name, "length " + len);
    }
    int family = b.getUnsignedByte(off + 1);
    int size = switch (family) {
      case 0x01 -> 4;
      case 0x02 -> 16;
      default -> throw StunParseException.at(name, String.format("family 0x%02x", family));
    };
    if (len != 4 + size) {
      throw StunParseException.at(name, "length " + len + " for a family of " + size + " bytes");
    }
    int port = b.getUnsignedShort(off + 2);
    byte[] raw = new byte[size];
    b.getBytes(off + 4, raw);
    if (xor) {
      port ^= StunMessage.MAGIC_COOKIE >>> 16;
      mask(raw, tx);
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(raw), port);
    } catch (UnknownHostException e) {
      throw StunParseException.at(name, "address of " + size + " bytes");
    }
  }

  static void encode(ByteBuf out, InetSocketAddress a, boolean xor, TransactionId tx) {
    byte[] raw = a.getAddress().getAddress();
    int port = a.getPort();
    if (xor) {
      port ^= StunMessage.MAGIC_COOKIE >>> 16;
      mask(raw, tx);
    }
    out.writeByte(0);
    out.writeByte(raw.length == 4 ? 0x01 : 0x02);
    out.writeShort(port);
    out.writeBytes(raw);
  }

  private static void mask(byte[] raw, TransactionId tx) {
    byte[] key = new byte[16];
    key[0] = (byte) (StunMessage.MAGIC_COOKIE >>> 24);
    key[1] = (byte) (StunMessage.MAGIC_COOKIE >>> 16);
    key[2] = (byte) (StunMessage.MAGIC_COOKIE >>> 8);
    key[3] = (byte) StunMessage.MAGIC_COOKIE;
    System.arraycopy(tx.toBytes(), 0, key, 4, TransactionId.LENGTH);
    for (int i = 0; i < raw.length; i++) {
      raw[i] ^= key[i];
    }
  }
}
