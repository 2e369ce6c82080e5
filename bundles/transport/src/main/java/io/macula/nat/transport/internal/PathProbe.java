package io.macula.nat.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.security.SecureRandom;

/**
 * A path probe: a STUN Binding request of no attributes whose transaction id begins with {@link
 * #MARK}, and its answer, a Binding success response of the same id, the same 20 bytes. A node
 * answers one only from an address it has an established route with, so a probe is no
 * amplifier and no oracle for strangers; every other STUN message goes on to the STUN handler.
 */
final class PathProbe {
  static final int LENGTH = 20;
  private static final int MAGIC_COOKIE = 0x2112A442;
  private static final int REQUEST = 0x0001;
  private static final int SUCCESS = 0x0101;
  /** "PATH": what tells a probe from a STUN client's Binding request (a NAT discovery's). */
  private static final int MARK = 0x50415448;
  private static final SecureRandom RANDOM = new SecureRandom();

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

  static ByteBuf request(ByteBufAllocator alloc, byte[] transaction) {
    return alloc.ioBuffer(LENGTH).writeShort(REQUEST).writeShort(0).writeInt(MAGIC_COOKIE).writeBytes(transaction);
  }

  /** The answer to a probe: the request's bytes with the success type. */
  static ByteBuf answer(ByteBufAllocator alloc, ByteBuf request) {
    ByteBuf out = alloc.ioBuffer(LENGTH).writeBytes(request, request.readerIndex(), LENGTH);
    out.setShort(0, SUCCESS);
    return out;
  }

  static boolean isRequest(ByteBuf b) {
    return isProbe(b, REQUEST);
  }

  static boolean isAnswer(ByteBuf b) {
    return isProbe(b, SUCCESS);
  }

  private static boolean isProbe(ByteBuf b, int type) {
    int at = b.readerIndex();
    return b.readableBytes() == LENGTH && b.getUnsignedShort(at) == type && b.getUnsignedShort(at + 2) == 0
        && b.getInt(at + 4) == MAGIC_COOKIE && b.getInt(at + 8) == MARK;
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
}
