package io.macula.nat.transport.internal;

import io.netty.buffer.ByteBuf;
import java.security.MessageDigest;
import javax.crypto.Mac;

/**
 * The MAC that ends every relay frame: HMAC-SHA256, cut to {@value #LENGTH} bytes, of the frame
 * before it, under the key the hub gave the node at registration (over the hub session, which TLS
 * protects). Only the node and its hub know the key: nobody else can make the hub relay as the
 * node, or make the node take packets as relayed by its hub. Between two hubs, the key is one the
 * sending hub gave the other on its hub link (QUIC, both hubs' ids proven), for that direction only.
 */
final class RelayMac {
  static final int LENGTH = 16;
  static final int KEY_LENGTH = 32;

  private RelayMac() {}

  /** Appends the MAC of {@code frame}'s readable bytes, number {@code sequence}, to it. */
  static void append(byte[] key, long sequence, ByteBuf frame) {
    frame.writeBytes(of(key, sequence, frame));
  }

  /**
   * Whether a frame (its readable bytes) ends with the MAC of what comes before, as number {@code
   * sequence}.
   */
  static boolean verify(byte[] key, long sequence, ByteBuf frame) {
    int length = frame.readableBytes() - LENGTH;
    if (key == null || length < 0) {
      return false;
    }
    byte[] theirs = new byte[LENGTH];
    frame.getBytes(frame.readerIndex() + length, theirs);
    return MessageDigest.isEqual(theirs, of(key, sequence, frame.slice(frame.readerIndex(), length)));
  }

  /**
   * The MAC of the readable bytes of {@code parts}, one after another, as if they were one frame,
   * then of the frame's whole 64-bit sequence number (its header carries only the low 24 bits).
   */
  static byte[] of(byte[] key, long sequence, ByteBuf... parts) {
    Mac m = HmacSha256.keyed(key);
    for (ByteBuf part : parts) {
      for (java.nio.ByteBuffer b : part.nioBuffers()) {
        m.update(b);
      }
    }
    for (int shift = Long.SIZE - Byte.SIZE; shift >= 0; shift -= Byte.SIZE) {
      m.update((byte) (sequence >>> shift)); // big-endian, as a ByteBuffer would put it: no buffer a frame
    }
    return java.util.Arrays.copyOf(m.doFinal(), LENGTH);
  }
}
