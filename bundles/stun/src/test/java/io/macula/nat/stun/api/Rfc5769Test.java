package io.macula.nat.stun.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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

  /** §2.4 Sample Request with Long-Term Authentication. */
  static final String LONG_TERM_REQUEST = "000100602112a44278ad3433c6ad72c029da412e"
      + "00060012e3839ee38388e383aae38383e382afe382b90000"
      + "0015001c662f2f3439396b393534643" + "64f4c33346f4c39465354767936347341"
      + "0014000b6578616d706c652e6f726700"
      + "00080014f67024656dd64a3e02b8e0712e85c9a28ca89666";

  /** §2.4's user name, "matrix" in katakana. */
  private static final String LONG_TERM_USER = "\u30de\u30c8\u30ea\u30c3\u30af\u30b9";

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
  void ipv4ResponseDecodesAndVerifies() {
    ByteBuf b = hex(IPV4_RESPONSE);
    StunMessage m = StunCodec.decode(b);
    assertEquals(StunClass.SUCCESS_RESPONSE, m.messageClass());
    assertEquals(new InetSocketAddress("192.0.2.1", 32853), m.attribute(XorMappedAddress.class).orElseThrow().address());
    assertTrue(StunCodec.verifyIntegrity(b, StunCodec.shortTermKey(PASSWORD)));
    assertTrue(StunCodec.verifyFingerprint(b));
  }

  /**
   * Each vector, with the number of its padding bytes that are not zero: RFC 5769 pads with spaces
   * (RFC 5389 §15 let a sender pad with anything), and RFC 8489 §14 has us send zeros. §2.4 pads
   * with zeros already: there what we encode is the vector itself.
   */
  static Stream<Arguments> vectors() {
    return Stream.of(
        Arguments.of("2.1 request", REQUEST, StunCodec.shortTermKey(PASSWORD), true, 3),
        Arguments.of("2.2 IPv4 response", IPV4_RESPONSE, StunCodec.shortTermKey(PASSWORD), true, 1),
        Arguments.of("2.3 IPv6 response", IPV6_RESPONSE, StunCodec.shortTermKey(PASSWORD), true, 1),
        Arguments.of("2.4 long-term request", LONG_TERM_REQUEST, StunCodec.longTermKey(LONG_TERM_USER, "example.org", "TheMatrIX"), false, 0));
  }

  /**
   * Decoding a vector and encoding it again gives the whole vector, byte for byte, but for what
   * our zero padding changes: the padding bytes, and the MESSAGE-INTEGRITY and FINGERPRINT that
   * cover them. Those two are computed here again, by {@link #sign}, which first must give the
   * vector's own values from the vector as the RFC prints it.
   */
  @ParameterizedTest(name = "§{0}")
  @MethodSource("vectors")
  void reEncodesToTheWholeVectorByteForByte(String name, String vector, byte[] key, boolean fingerprint, int spacePadding)
      throws Exception {
    byte[] rfc = HexFormat.of().parseHex(vector);
    assertEquals(vector, HexFormat.of().formatHex(sign(rfc, key)), "the MAC and CRC here are the RFC's");
    byte[] zeroPadded = zeroPadding(rfc);
    int changed = 0;
    for (int i = 0; i < rfc.length; i++) {
      changed += rfc[i] != zeroPadded[i] ? 1 : 0;
    }
    assertEquals(spacePadding, changed, "padding bytes that are not zero");

    ByteBuf ours = StunCodec.encode(ByteBufAllocator.DEFAULT, StunCodec.decode(hex(vector)), key, false, fingerprint);
    try {
      assertEquals(HexFormat.of().formatHex(sign(zeroPadded, key)), HexFormat.of().formatHex(ByteBufUtil.getBytes(ours)));
    } finally {
      ours.release();
    }
  }

  /** The vector with every attribute's padding set to zero, RFC 8489 §14. */
  private static byte[] zeroPadding(byte[] message) {
    byte[] out = message.clone();
    ByteBuffer b = ByteBuffer.wrap(out);
    int end = StunMessage.HEADER_LENGTH + Short.toUnsignedInt(b.getShort(2));
    for (int p = StunMessage.HEADER_LENGTH; p < end; ) {
      int length = Short.toUnsignedInt(b.getShort(p + 2));
      int padded = (length + 3) & ~3;
      java.util.Arrays.fill(out, p + 4 + length, p + 4 + padded, (byte) 0);
      p += 4 + padded;
    }
    return out;
  }

  /**
   * The message with its MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) and FINGERPRINT (§14.7)
   * values computed again, written from the RFC without StunCodec: each covers the message before
   * it, under a length field that counts the attribute itself.
   */
  private static byte[] sign(byte[] message, byte[] key) throws Exception {
    byte[] out = message.clone();
    ByteBuffer b = ByteBuffer.wrap(out);
    short length = b.getShort(2);
    for (int p = StunMessage.HEADER_LENGTH; p < StunMessage.HEADER_LENGTH + Short.toUnsignedInt(length); ) {
      int type = Short.toUnsignedInt(b.getShort(p));
      if (type == 0x0008) {
        b.putShort(2, (short) (p - StunMessage.HEADER_LENGTH + 4 + 20));
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(key, "HmacSHA1"));
        mac.update(out, 0, p);
        b.put(p + 4, mac.doFinal());
      } else if (type == 0x8028) {
        b.putShort(2, (short) (p - StunMessage.HEADER_LENGTH + 8));
        CRC32 crc = new CRC32();
        crc.update(out, 0, p);
        b.putInt(p + 4, (int) (crc.getValue() ^ 0x5354554EL));
      }
      b.putShort(2, length);
      p += 4 + ((Short.toUnsignedInt(b.getShort(p + 2)) + 3) & ~3);
    }
    return out;
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
    ByteBuf b = hex(LONG_TERM_REQUEST);
    StunMessage m = StunCodec.decode(b);
    assertEquals(LONG_TERM_USER, m.attribute(Username.class).orElseThrow().value());
    assertEquals("f//499k954d6OL34oL9FSTvy64sA", m.attribute(Nonce.class).orElseThrow().value());
    assertEquals("example.org", m.attribute(Realm.class).orElseThrow().value());
    assertTrue(StunCodec.verifyIntegrity(b, StunCodec.longTermKey(LONG_TERM_USER, "example.org", "TheMatrIX")));
  }
}
