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
  /** The last first byte of RFC 8656's channels (0x4000-0x4FFF), all RFC 9443 leaves ChannelData on a shared socket. */
  static final int LAST_BYTE = 0x4F;
  /** The last first byte of RFC 5766's channels (up to 0x7FFE), which a server still takes on a socket of its own. */
  static final int LAST_BYTE_RFC5766 = 0x7F;

  /** Whether a datagram's first byte makes it ChannelData of RFC 8656's channels. */
  static boolean isChannelData(int firstByte) {
    return isChannelData(firstByte, LAST_BYTE);
  }

  /** Whether a first byte makes a message ChannelData of channels whose first byte goes up to {@code lastByte}. */
  static boolean isChannelData(int firstByte, int lastByte) {
    return firstByte >= 0x40 && firstByte <= lastByte;
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
    if (b.readableBytes() < HEADER_LENGTH || !isChannelData(b.getUnsignedByte(b.readerIndex()), LAST_BYTE_RFC5766)) {
      return null;
    }
    int length = b.getUnsignedShort(b.readerIndex() + 2);
    if (length > b.readableBytes() - HEADER_LENGTH) {
      return null;
    }
    return new ChannelData(b.getUnsignedShort(b.readerIndex()), b.slice(b.readerIndex() + HEADER_LENGTH, length));
  }
}
