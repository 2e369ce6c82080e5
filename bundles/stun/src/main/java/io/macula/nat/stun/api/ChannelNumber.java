package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/** CHANNEL-NUMBER, RFC 8656 §18.1: a channel, 0x4000 through 0x4FFF. */
public record ChannelNumber(int number) implements StunAttribute {
  public static final int TYPE = 0x000C;
  public static final int FIRST = 0x4000;
  public static final int LAST = 0x4FFF;

  public ChannelNumber {
    if (number < 0 || number > 0xFFFF) {
      throw new IllegalArgumentException("channel number " + number);
    }
  }

  /** Whether the number lies in the range a channel may have; the server answers 400 to others. */
  public boolean valid() {
    return number >= FIRST && number <= LAST;
  }

  static ChannelNumber decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len != 4) {
      throw StunParseException.at("CHANNEL-NUMBER", "length " + len + ", not 4");
    }
    return new ChannelNumber(b.getUnsignedShort(off));
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeShort(number);
    out.writeShort(0); // RFFU
  }
}
