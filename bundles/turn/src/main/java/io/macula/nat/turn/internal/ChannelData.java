package io.macula.nat.turn.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;

/**
 * A ChannelData message, RFC 8656 §12.4: a channel number, a length, and the data, with no STUN
 * header. Its first byte lies in 0x40-0x4F, which RFC 9443 sets apart for it on a shared socket.
 * Over TCP it is padded to a multiple of four bytes; over UDP the padding may be left out.
 */
record ChannelData(int channel, ByteBuf data) {
  static final int HEADER_LENGTH = 4;

  /** Whether a datagram's first byte makes it ChannelData. */
  static boolean isChannelData(int firstByte) {
    return firstByte >= 0x40 && firstByte <= 0x4F;
  }

  static ByteBuf encode(ByteBufAllocator alloc, int channel, ByteBuffer data, boolean padded) {
    int length = data.remaining();
    int padding = padded ? (4 - length % 4) % 4 : 0;
    ByteBuf out = alloc.ioBuffer(HEADER_LENGTH + length + padding);
    out.writeShort(channel);
    out.writeShort(length);
    out.writeBytes(data.duplicate());
    out.writeZero(padding);
    return out;
  }

  /**
   * The message a datagram holds, its data a slice of {@code b}; null when it is not one: too
   * short, or a length that runs past what arrived (padding after it is allowed).
   */
  static ChannelData decode(ByteBuf b) {
    int first = b.isReadable() ? b.getUnsignedByte(b.readerIndex()) : 0;
    if (b.readableBytes() < HEADER_LENGTH || first < 0x40 || first > 0x7F) {
      return null; // 0x50-0x7F: RFC 5766's channels, which a server still takes on a socket of its own
    }
    int length = b.getUnsignedShort(b.readerIndex() + 2);
    if (length > b.readableBytes() - HEADER_LENGTH) {
      return null;
    }
    return new ChannelData(b.getUnsignedShort(b.readerIndex()), b.slice(b.readerIndex() + HEADER_LENGTH, length));
  }
}
