package io.macula.nat.stun.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The test vectors of RFC 5769, byte for byte. */
class Rfc5769Test {
  private static final String PASSWORD = "VOkJxbRl1RmTxUk/WvJxBt";

  /** §2.1 Sample Request. */
  static final String REQUEST = "000100582112a442b7e7a701bc34d686fa87dfae"
      + "802200105354554e207465737420636c69656e74"
      + "002400046e0001ff"
      + "80290008932ff9b151263b36"
      + "000600096576746a3a68367659202020"
      + "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
      + "80280004e57a3bcf";

  /** §2.2 Sample IPv4 Response. */
  static final String IPV4_RESPONSE = "0101003c2112a442b7e7a701bc34d686fa87dfae"
      + "8022000b7465737420766563746f7220"
      + "002000080001a147e112a643"
      + "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7"
      + "80280004c07d4c96";

  /** §2.3 Sample IPv6 Response. */
  static final String IPV6_RESPONSE = "010100482112a442b7e7a701bc34d686fa87dfae"
      + "8022000b7465737420766563746f7220"
      + "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
      + "00080014a382954e4be67bf11784c97c8292c275bfe3ed41"
      + "80280004c8fb0b4c";

  private static ByteBuf hex(String s) {
    return Unpooled.wrappedBuffer(HexFormat.of().parseHex(s));
  }

  @Test
  void sampleRequestDecodesAndVerifies() {
    ByteBuf b = hex(REQUEST);
    StunMessage m = StunCodec.decode(b);
    assertEquals(StunClass.REQUEST, m.messageClass());
    assertEquals(StunMessage.BINDING, m.method());
    assertEquals("b7e7a701bc34d686fa87dfae", m.transactionId().toString());
    assertEquals("STUN test client", m.attribute(Software.class).orElseThrow().value());
    assertEquals(0x6e0001ffL, m.attribute(Priority.class).orElseThrow().value());
    assertEquals(0x932ff9b151263b36L, m.attribute(IceControlled.class).orElseThrow().value());
    assertEquals("evtj:h6vY", m.attribute(Username.class).orElseThrow().value());
    assertTrue(StunCodec.verifyIntegrity(b, StunCodec.shortTermKey(PASSWORD)));
    assertFalse(StunCodec.verifyIntegrity(b, StunCodec.shortTermKey("wrong")));
    assertTrue(StunCodec.verifyFingerprint(b));
  }

  @Test
  void ipv4ResponseDecodesAndReEncodesByteForByte() {
    ByteBuf b = hex(IPV4_RESPONSE);
    StunMessage m = StunCodec.decode(b);
    assertEquals(StunClass.SUCCESS_RESPONSE, m.messageClass());
    assertEquals(new InetSocketAddress("192.0.2.1", 32853), m.attribute(XorMappedAddress.class).orElseThrow().address());
    assertTrue(StunCodec.verifyIntegrity(b, StunCodec.shortTermKey(PASSWORD)));
    assertTrue(StunCodec.verifyFingerprint(b));

    // SOFTWARE's padding in the vector is a space; ours is zero. Everything else is the same.
    ByteBuf ours = StunCodec.encode(ByteBufAllocator.DEFAULT, m, StunCodec.shortTermKey(PASSWORD), false, true);
    byte[] expected = HexFormat.of().parseHex(IPV4_RESPONSE.replace("766563746f7220", "766563746f7200"));
    StunMessage again = StunCodec.decode(ours);
    assertEquals(m.attribute(XorMappedAddress.class), again.attribute(XorMappedAddress.class));
    assertTrue(StunCodec.verifyIntegrity(ours, StunCodec.shortTermKey(PASSWORD)));
    assertTrue(StunCodec.verifyFingerprint(ours));
    assertEquals(expected.length, ours.readableBytes());
    assertArrayEquals(java.util.Arrays.copyOf(expected, 44), java.util.Arrays.copyOf(ByteBufUtil.getBytes(ours), 44));
  }

  @Test
  void ipv6ResponseDecodesAndVerifies() {
    ByteBuf b = hex(IPV6_RESPONSE);
    StunMessage m = StunCodec.decode(b);
    assertEquals(new InetSocketAddress("2001:db8:1234:5678:11:2233:4455:6677", 32853),
        m.attribute(XorMappedAddress.class).orElseThrow().address());
    assertTrue(StunCodec.verifyIntegrity(b, StunCodec.shortTermKey(PASSWORD)));
    assertTrue(StunCodec.verifyFingerprint(b));
  }

  @Test
  void longTermRequestVerifiesWithTheMd5Key() {
    String vector = "000100602112a44278ad3433c6ad72c029da412e"
        + "00060012e3839ee38388e383aae38383e382afe382b90000"
        + "0015001c662f2f3439396b393534643" + "64f4c33346f4c39465354767936347341"
        + "0014000b6578616d706c652e6f726700"
        + "00080014f67024656dd64a3e02b8e0712e85c9a28ca89666";
    ByteBuf b = hex(vector);
    StunMessage m = StunCodec.decode(b);
    String user = "\u30de\u30c8\u30ea\u30c3\u30af\u30b9";
    assertEquals(user, m.attribute(Username.class).orElseThrow().value());
    assertEquals("f//499k954d6OL34oL9FSTvy64sA", m.attribute(Nonce.class).orElseThrow().value());
    assertEquals("example.org", m.attribute(Realm.class).orElseThrow().value());
    assertTrue(StunCodec.verifyIntegrity(b, StunCodec.longTermKey(user, "example.org", "TheMatrIX")));
  }
}
