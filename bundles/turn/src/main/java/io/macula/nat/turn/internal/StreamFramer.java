package io.macula.nat.turn.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.function.Consumer;

/**
 * Cuts the byte stream of a TURN connection over TCP or TLS into messages, RFC 8656 §12.5: a STUN
 * message is its 20-byte header and the length in it; ChannelData is its 4-byte header, the length
 * in it, and padding to a multiple of four. Anything else on the stream means it is out of step:
 * the caller closes the connection.
 */
final class StreamFramer {
  /** The largest message taken: a STUN message's length field allows no more. */
  static final int MAX_MESSAGE = 20 + 0xFFFF;

  private final Consumer<ByteBuf> messages;
  private final int lastChannelByte;
  private ByteBuf pending = Unpooled.buffer();

  /** A client's framer: ChannelData starts 0x40-0x4F, RFC 8656's channels. */
  StreamFramer(Consumer<ByteBuf> messages) {
    this(messages, ChannelData.LAST_BYTE);
  }

  /**
   * @param lastChannelByte the highest first byte of ChannelData: 0x4F for RFC 8656, 0x7F for a
   *     server that takes RFC 5766's channels too
   */
  StreamFramer(Consumer<ByteBuf> messages, int lastChannelByte) {
    this.messages = messages;
    this.lastChannelByte = lastChannelByte;
  }

  private boolean channelData(int firstByte) {
    return ChannelData.isChannelData(firstByte, lastChannelByte);
  }

  /**
   * Takes bytes as they arrive; hands each whole message on (valid only during the call).
   *
   * @throws IllegalStateException when the stream is not TURN's framing
   */
  void received(ByteBuf bytes) {
    pending.writeBytes(bytes);
    while (true) {
      int length = nextLength(pending);
      if (length < 0 || pending.readableBytes() < length) {
        break;
      }
      ByteBuf message = pending.readSlice(length);
      int first = message.getUnsignedByte(0);
      messages.accept(channelData(first)
          ? message.slice(0, ChannelData.HEADER_LENGTH + message.getUnsignedShort(2)) // without its padding
          : message);
    }
    pending.discardReadBytes();
  }

  /** The length on the stream of the message that starts the buffer, padding included; -1 if unknown yet. */
  private int nextLength(ByteBuf b) {
    if (b.readableBytes() < 4) {
      return -1;
    }
    int first = b.getUnsignedByte(b.readerIndex());
    int length = b.getUnsignedShort(b.readerIndex() + 2);
    if (channelData(first)) {
      return ChannelData.HEADER_LENGTH + length + (4 - length % 4) % 4;
    }
    if ((first & 0xC0) == 0) {
      return 20 + length; // STUN: its length is a multiple of four already
    }
    throw new IllegalStateException(String.format("a TURN stream out of step: first byte 0x%02x", first));
  }
}
