package io.macula.nat.stun.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** TURN's attributes and methods, RFC 8656 §18: each as the RFC lays it out, both ways. */
class TurnAttributesTest {
  private static final TransactionId TX = TransactionId.of(HexFormat.of().parseHex("b7e7a701bc34d686fa87dfae"));

  @Test
  void anAllocateSuccessResponseDecodesToWhatWasEncoded() {
    StunMessage m = new StunMessage(StunClass.SUCCESS_RESPONSE, StunMessage.ALLOCATE, TX, List.of(
        new XorRelayedAddress(new InetSocketAddress("192.0.2.15", 49152)),
        new XorMappedAddress(new InetSocketAddress("198.51.100.7", 32853)),
        new Lifetime(600)));

    StunMessage back = roundTrip(m);

    assertEquals(m, back);
    assertEquals(0x0103, StunCodec.encode(ByteBufAllocator.DEFAULT, m, null, false, false).getUnsignedShort(0),
        "Allocate success response: method 0x003 in class 0b10");
  }

  @Test
  void eachAttributeHasTheRfcsLayout() {
    assertEquals("000d0004" + "00000258", attribute(new Lifetime(600)));
    assertEquals("00190004" + "11000000", attribute(new RequestedTransport(RequestedTransport.UDP)));
    assertEquals("000c0004" + "40010000", attribute(new ChannelNumber(0x4001)));
    assertEquals("00130003" + "616263" + "00", attribute(new Data("abc".getBytes())));
    assertEquals("001a0000", attribute(new DontFragment()));
    assertEquals("00170004" + "01000000", attribute(new RequestedAddressFamily(RequestedAddressFamily.IPV4)));
    assertEquals("00180001" + "80" + "000000", attribute(new EvenPort(true)));
    // XOR-PEER-ADDRESS of 192.0.2.1:32853 under the magic cookie, as XOR-MAPPED-ADDRESS would be.
    assertEquals("00120008" + "0001" + "a147" + "e112a643",
        attribute(new XorPeerAddress(new InetSocketAddress("192.0.2.1", 32853))));
  }

  @Test
  void channelNumbersOutsideTheRangeAreNotValid() {
    assertTrue(new ChannelNumber(0x4000).valid());
    assertTrue(new ChannelNumber(0x4FFF).valid());
    assertTrue(!new ChannelNumber(0x3FFF).valid() && !new ChannelNumber(0x5000).valid());
  }

  @Test
  void aShortLifetimeIsATypedError() {
    StunParseException e = assertThrows(StunParseException.class, () -> StunCodec.decode(
        Unpooled.wrappedBuffer(HexFormat.of().parseHex("000300082112a442b7e7a701bc34d686fa87dfae" + "000d000200000000"))));
    assertTrue(e.getMessage().contains("LIFETIME: length 2, not 4"), e.getMessage());
  }

  private static StunMessage roundTrip(StunMessage m) {
    ByteBuf b = StunCodec.encode(ByteBufAllocator.DEFAULT, m, null, false, false);
    try {
      return StunCodec.decode(b);
    } finally {
      b.release();
    }
  }

  /** One attribute, as it sits in a message: type, length, value and padding, in hex. */
  private static String attribute(StunAttribute a) {
    StunMessage m = new StunMessage(StunClass.INDICATION, StunMessage.SEND, TX, List.of(a));
    ByteBuf b = StunCodec.encode(ByteBufAllocator.DEFAULT, m, null, false, false);
    try {
      return ByteBufUtil.hexDump(b, StunMessage.HEADER_LENGTH, b.readableBytes() - StunMessage.HEADER_LENGTH);
    } finally {
      b.release();
    }
  }
}
