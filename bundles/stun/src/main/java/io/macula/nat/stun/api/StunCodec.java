package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Decodes and encodes STUN messages. Decoding never throws anything but {@link
 * StunParseException}; {@link #looksLikeStun} is the cheap test a demultiplexer runs first.
 * Buffers passed in stay owned by the caller.
 */
public final class StunCodec {
  /** RFC 8489 §14.7: the CRC-32 is XORed with this, so that other protocols' CRCs differ. */
  public static final long FINGERPRINT_XOR = 0x5354554EL;

  private StunCodec() {}

  /** The first two bits zero, a length that is a multiple of 4 and fits, and the magic cookie. */
  public static boolean looksLikeStun(ByteBuf b) {
    int at = b.readerIndex();
    return b.readableBytes() >= StunMessage.HEADER_LENGTH
        && (b.getUnsignedByte(at) & 0xC0) == 0
        && (b.getUnsignedShort(at + 2) & 0x3) == 0
        && b.getInt(at + 4) == StunMessage.MAGIC_COOKIE;
  }

  /** Decodes the message in {@code b}'s readable bytes; trailing bytes beyond it are ignored. */
  public static StunMessage decode(ByteBuf b) {
    int at = b.readerIndex();
    if (b.readableBytes() < StunMessage.HEADER_LENGTH) {
      throw StunParseException.at("header", b.readableBytes() + " bytes, not 20");
    }
    int type = b.getUnsignedShort(at);
    if ((type & 0xC000) != 0) {
      throw StunParseException.at("header", String.format("first bits of type 0x%04x are not 00", type));
    }
    int length = b.getUnsignedShort(at + 2);
    if (length % 4 != 0) {
      throw StunParseException.at("header", "length " + length + " is not a multiple of 4");
    }
    if (StunMessage.HEADER_LENGTH + length > b.readableBytes()) {
      throw StunParseException.at("header", "length " + length + " but " + (b.readableBytes() - 20) + " bytes follow");
    }
    if (b.getInt(at + 4) != StunMessage.MAGIC_COOKIE) {
      throw StunParseException.at("header", String.format("magic cookie 0x%08x", b.getInt(at + 4)));
    }
    byte[] id = new byte[TransactionId.LENGTH];
    b.getBytes(at + 8, id);
    TransactionId tx = TransactionId.of(id);
    List<StunAttribute> attributes = new ArrayList<>();
    int end = at + StunMessage.HEADER_LENGTH + length;
    int p = at + StunMessage.HEADER_LENGTH;
    while (p < end) {
      if (end - p < 4) {
        throw StunParseException.at("attribute", "header cut short at offset " + (p - at));
      }
      int atype = b.getUnsignedShort(p);
      int alen = b.getUnsignedShort(p + 2);
      int padded = (alen + 3) & ~3;
      if (p + 4 + padded > end) {
        throw StunParseException.at(String.format("attribute 0x%04x", atype),
            "length " + alen + " runs past the message");
      }
      attributes.add(attribute(atype, b, p + 4, alen, tx));
      p += 4 + padded;
    }
    return new StunMessage(StunMessage.classOf(type), StunMessage.methodOf(type), tx, attributes);
  }

  private static StunAttribute attribute(int type, ByteBuf b, int off, int len, TransactionId tx) {
    return switch (type) {
      case MappedAddress.TYPE -> MappedAddress.decode(b, off, len, tx);
      case XorMappedAddress.TYPE -> XorMappedAddress.decode(b, off, len, tx);
      case AlternateServer.TYPE -> AlternateServer.decode(b, off, len, tx);
      case ResponseOrigin.TYPE -> ResponseOrigin.decode(b, off, len, tx);
      case OtherAddress.TYPE -> OtherAddress.decode(b, off, len, tx);
      case Username.TYPE -> Username.decode(b, off, len, tx);
      case Realm.TYPE -> Realm.decode(b, off, len, tx);
      case Nonce.TYPE -> Nonce.decode(b, off, len, tx);
      case Software.TYPE -> Software.decode(b, off, len, tx);
      case MessageIntegrity.TYPE -> MessageIntegrity.decode(b, off, len, tx);
      case MessageIntegritySha256.TYPE -> MessageIntegritySha256.decode(b, off, len, tx);
      case Fingerprint.TYPE -> Fingerprint.decode(b, off, len, tx);
      case ErrorCode.TYPE -> ErrorCode.decode(b, off, len, tx);
      case UnknownAttributes.TYPE -> UnknownAttributes.decode(b, off, len, tx);
      case ChangeRequest.TYPE -> ChangeRequest.decode(b, off, len, tx);
      case ResponsePort.TYPE -> ResponsePort.decode(b, off, len, tx);
      case Padding.TYPE -> Padding.decode(b, off, len, tx);
      case Priority.TYPE -> Priority.decode(b, off, len, tx);
      case UseCandidate.TYPE -> UseCandidate.decode(b, off, len, tx);
      case IceControlled.TYPE -> IceControlled.decode(b, off, len, tx);
      case IceControlling.TYPE -> IceControlling.decode(b, off, len, tx);
      case XorRelayedAddress.TYPE -> XorRelayedAddress.decode(b, off, len, tx);
      case XorPeerAddress.TYPE -> XorPeerAddress.decode(b, off, len, tx);
      case Lifetime.TYPE -> Lifetime.decode(b, off, len, tx);
      case RequestedTransport.TYPE -> RequestedTransport.decode(b, off, len, tx);
      case ChannelNumber.TYPE -> ChannelNumber.decode(b, off, len, tx);
      case Data.TYPE -> Data.decode(b, off, len, tx);
      case DontFragment.TYPE -> DontFragment.decode(b, off, len, tx);
      case RequestedAddressFamily.TYPE -> RequestedAddressFamily.decode(b, off, len, tx);
      case EvenPort.TYPE -> EvenPort.decode(b, off, len, tx);
      default -> UnknownAttribute.decode(type, b, off, len);
    };
  }

  /** The comprehension-required attribute types of a message this codec does not know, §14. */
  public static List<Integer> unknownRequired(StunMessage m) {
    return m.attributes().stream()
        .filter(a -> a instanceof UnknownAttribute && StunAttribute.comprehensionRequired(a.type()))
        .map(StunAttribute::type)
        .toList();
  }

  /**
   * Encodes a message. Its own MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT attributes are left out;
   * with a key, MESSAGE-INTEGRITY (or -SHA256) is computed and added, then, when asked, FINGERPRINT.
   * The caller owns the buffer returned.
   *
   * @throws IllegalArgumentException when the attributes take more than the 65535 bytes the
   *     header's length field counts
   */
  public static ByteBuf encode(ByteBufAllocator alloc, StunMessage m, byte[] integrityKey, boolean sha256, boolean fingerprint) {
    ByteBuf out = alloc.buffer(256);
    out.writeShort(m.typeField());
    out.writeShort(0);
    out.writeInt(StunMessage.MAGIC_COOKIE);
    out.writeBytes(m.transactionId().toBytes());
    for (StunAttribute a : m.attributes()) {
      if (a instanceof MessageIntegrity || a instanceof MessageIntegritySha256 || a instanceof Fingerprint) {
        continue;
      }
      writeAttribute(out, a, m.transactionId());
    }
    int length = out.writerIndex() - StunMessage.HEADER_LENGTH
        + (integrityKey == null ? 0 : 4 + (sha256 ? 32 : 20)) + (fingerprint ? 8 : 0);
    if (length > 0xFFFF) {
      out.release();
      throw new IllegalArgumentException("the attributes take " + length + " bytes; a STUN length field counts 65535");
    }
    if (integrityKey != null) {
      int macLength = sha256 ? 32 : 20;
      setLength(out, out.writerIndex() - StunMessage.HEADER_LENGTH + 4 + macLength);
      byte[] mac = hmac(sha256 ? "HmacSHA256" : "HmacSHA1", integrityKey, out, out.writerIndex());
      writeAttribute(out, sha256 ? new MessageIntegritySha256(mac) : new MessageIntegrity(mac), m.transactionId());
    }
    if (fingerprint) {
      setLength(out, out.writerIndex() - StunMessage.HEADER_LENGTH + 8);
      writeAttribute(out, new Fingerprint(crc(out, out.writerIndex()) ^ FINGERPRINT_XOR), m.transactionId());
    }
    setLength(out, out.writerIndex() - StunMessage.HEADER_LENGTH);
    return out;
  }

  private static void writeAttribute(ByteBuf out, StunAttribute a, TransactionId tx) {
    out.writeShort(a.type());
    int lengthAt = out.writerIndex();
    out.writeShort(0);
    int start = out.writerIndex();
    a.encodeValue(out, tx);
    int len = out.writerIndex() - start;
    out.setShort(lengthAt, len);
    out.writeZero((4 - len % 4) % 4);
  }

  private static void setLength(ByteBuf out, int length) {
    out.setShort(out.readerIndex() + 2, length);
  }

  /**
   * Whether the message's MESSAGE-INTEGRITY (or -SHA256, preferred when both are present) is the
   * HMAC of what precedes it under {@code key}, RFC 8489 §14.5 and §14.6.
   *
   * <p>Never throws on what {@code b} holds: a message that does not parse (among others: a header
   * cut short, a length field that is not a multiple of 4 or runs past the readable bytes, an
   * attribute that runs past the message) has no integrity that holds, and so does one whose MAC
   * has a length §14.5 or §14.6 does not allow (an empty one would match any key). {@link #decode}
   * says what is wrong.
   *
   * @return false also when the message has no integrity attribute
   */
  public static boolean verifyIntegrity(ByteBuf b, byte[] key) {
    int at = b.readerIndex();
    int end = messageEnd(b);
    if (end < 0) {
      return false;
    }
    int sha1 = -1;
    int sha256 = -1;
    for (int p = at + StunMessage.HEADER_LENGTH; p < end; p = next(b, p)) {
      int type = b.getUnsignedShort(p);
      if (type == MessageIntegrity.TYPE && sha1 < 0) {
        sha1 = p;
      } else if (type == MessageIntegritySha256.TYPE && sha256 < 0) {
        sha256 = p;
      }
    }
    int mi = sha256 >= 0 ? sha256 : sha1;
    if (mi < 0) {
      return false;
    }
    int macLength = b.getUnsignedShort(mi + 2);
    boolean lengthAllowed = sha256 >= 0
        ? macLength >= 16 && macLength <= 32 && macLength % 4 == 0
        : macLength == MessageIntegrity.LENGTH;
    if (!lengthAllowed) {
      return false;
    }
    ByteBuf copy = b.copy(at, mi - at);
    try {
      copy.setShort(2, mi - at - StunMessage.HEADER_LENGTH + 4 + macLength);
      byte[] expected = hmac(sha256 >= 0 ? "HmacSHA256" : "HmacSHA1", key, copy, copy.writerIndex());
      byte[] actual = new byte[macLength];
      b.getBytes(mi + 4, actual);
      byte[] truncated = java.util.Arrays.copyOf(expected, macLength);
      return MessageDigest.isEqual(truncated, actual);
    } finally {
      copy.release();
    }
  }

  /**
   * Whether the message's last attribute is a FINGERPRINT that matches its CRC-32, RFC 8489 §14.7.
   * Never throws on what {@code b} holds: a message that does not parse (see {@link
   * #verifyIntegrity}) has no FINGERPRINT that matches.
   */
  public static boolean verifyFingerprint(ByteBuf b) {
    int at = b.readerIndex();
    int end = messageEnd(b);
    if (end < 0) {
      return false;
    }
    int last = -1;
    for (int p = at + StunMessage.HEADER_LENGTH; p < end; p = next(b, p)) {
      last = p;
    }
    if (last < 0 || b.getUnsignedShort(last) != Fingerprint.TYPE || b.getUnsignedShort(last + 2) != 4) {
      return false;
    }
    return (crc(b.slice(at, last - at), last - at) ^ FINGERPRINT_XOR) == b.getUnsignedInt(last + 4);
  }

  /**
   * The index just past the message that starts at {@code b}'s reader index, or -1 when it is not
   * framed as {@link #decode} requires: a whole header with the first two bits zero and the magic
   * cookie, a length that is a multiple of 4 and fits the readable bytes, and attributes that end
   * exactly there.
   */
  private static int messageEnd(ByteBuf b) {
    if (!looksLikeStun(b)) {
      return -1;
    }
    int at = b.readerIndex();
    int length = b.getUnsignedShort(at + 2);
    if (StunMessage.HEADER_LENGTH + length > b.readableBytes()) {
      return -1;
    }
    int end = at + StunMessage.HEADER_LENGTH + length;
    int p = at + StunMessage.HEADER_LENGTH;
    while (p < end) {
      // A length that is a multiple of 4 leaves at least 4 bytes here: the header fits.
      p = next(b, p);
    }
    return p == end ? end : -1;
  }

  /** Where the attribute after the one at {@code p} starts: past its header, value and padding. */
  private static int next(ByteBuf b, int p) {
    return p + 4 + ((b.getUnsignedShort(p + 2) + 3) & ~3);
  }

  /** The key of the short-term credential mechanism, RFC 8489 §9.1.1: the password. */
  public static byte[] shortTermKey(String password) {
    return password.getBytes(StandardCharsets.UTF_8);
  }

  /** The key of the long-term credential mechanism, RFC 8489 §9.2.2: MD5(user:realm:password). */
  public static byte[] longTermKey(String username, String realm, String password) {
    try {
      return MessageDigest.getInstance("MD5")
          .digest((username + ":" + realm + ":" + password).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has MD5", e);
    }
  }

  private static byte[] hmac(String algorithm, byte[] key, ByteBuf b, int length) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(key, algorithm));
      mac.update(b.nioBuffer(b.readerIndex(), length - b.readerIndex()));
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has " + algorithm, e);
    }
  }

  private static long crc(ByteBuf b, int length) {
    CRC32 crc = new CRC32();
    crc.update(b.nioBuffer(b.readerIndex(), length - b.readerIndex()));
    return crc.getValue();
  }
}
