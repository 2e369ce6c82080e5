package io.macula.nat.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * A path probe: a STUN Binding request whose transaction id begins with {@link #MARK} and whose one
 * attribute is a MESSAGE-INTEGRITY-SHA256 (RFC 8489) under the pair's {@link ConsentKey}; its
 * answer, a Binding success response of the same id, under the same key. A node answers a probe
 * only from an address it has an established route with, and only when the probe carries the
 * route's key, so a probe is no amplifier and no oracle for strangers, and an answer proves the
 * peer itself consents (RFC 7675); every other STUN message goes on to the STUN handler.
 */
final class PathProbe {
  private static final int HEADER = 20;
  private static final int INTEGRITY = 4 + 32;
  static final int LENGTH = HEADER + INTEGRITY;
  private static final int MAGIC_COOKIE = 0x2112A442;
  private static final int REQUEST = 0x0001;
  private static final int SUCCESS = 0x0101;
  private static final int MESSAGE_INTEGRITY_SHA256 = 0x001C;
  /** "PATH": what tells a probe from a STUN client's Binding request (a NAT discovery's). */
  private static final int MARK = 0x50415448;
  private static final SecureRandom RANDOM = new SecureRandom();
  /** The header signed, copied out of the buffer: a NIO view of it is an allocation each time. */
  private static final ThreadLocal<byte[]> SIGNED = ThreadLocal.withInitial(() -> new byte[HEADER]);

  private PathProbe() {}

  /** A new probe's transaction id: the mark, then 8 random bytes. */
  static byte[] newTransaction() {
    byte[] id = new byte[12];
    RANDOM.nextBytes(id);
    id[0] = 'P';
    id[1] = 'A';
    id[2] = 'T';
    id[3] = 'H';
    return id;
  }

  static ByteBuf request(ByteBufAllocator alloc, byte[] transaction, byte[] key) {
    ByteBuf out = alloc.ioBuffer(LENGTH).writeShort(REQUEST).writeShort(INTEGRITY).writeInt(MAGIC_COOKIE)
        .writeBytes(transaction);
    return sign(out, key);
  }

  /** The answer to a probe: its header with the success type, under the key. */
  static ByteBuf answer(ByteBufAllocator alloc, ByteBuf request, byte[] key) {
    ByteBuf out = alloc.ioBuffer(LENGTH).writeBytes(request, request.readerIndex(), HEADER);
    out.setShort(0, SUCCESS);
    return sign(out, key);
  }

  /** Whether the probe or answer carries the key's integrity: the peer's, not a stranger's. */
  static boolean authentic(ByteBuf b, byte[] key) {
    int at = b.readerIndex();
    byte[] expected = hmac(b, at, key);
    byte[] carried = new byte[32];
    b.getBytes(at + HEADER + 4, carried);
    return MessageDigest.isEqual(expected, carried);
  }

  static boolean isRequest(ByteBuf b) {
    return isProbe(b, REQUEST);
  }

  static boolean isAnswer(ByteBuf b) {
    return isProbe(b, SUCCESS);
  }

  private static boolean isProbe(ByteBuf b, int type) {
    int at = b.readerIndex();
    return b.readableBytes() == LENGTH && b.getUnsignedShort(at) == type && b.getUnsignedShort(at + 2) == INTEGRITY
        && b.getInt(at + 4) == MAGIC_COOKIE && b.getInt(at + 8) == MARK
        && b.getUnsignedShort(at + HEADER) == MESSAGE_INTEGRITY_SHA256 && b.getUnsignedShort(at + HEADER + 2) == 32;
  }

  /** Whether an answer carries this transaction id. */
  static boolean answers(ByteBuf answer, byte[] transaction) {
    int at = answer.readerIndex() + 8;
    for (int i = 0; i < transaction.length; i++) {
      if (answer.getByte(at + i) != transaction[i]) {
        return false;
      }
    }
    return true;
  }

  /** Appends the integrity of the header written so far (its length already counts the attribute). */
  private static ByteBuf sign(ByteBuf header, byte[] key) {
    byte[] mac = hmac(header, header.readerIndex(), key);
    return header.writeShort(MESSAGE_INTEGRITY_SHA256).writeShort(32).writeBytes(mac);
  }

  private static byte[] hmac(ByteBuf b, int at, byte[] key) {
    byte[] header = SIGNED.get();
    b.getBytes(at, header);
    return HmacSha256.keyed(key).doFinal(header);
  }
}
