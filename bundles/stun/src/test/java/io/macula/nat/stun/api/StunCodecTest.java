package io.macula.nat.stun.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class StunCodecTest {
  private static final String HEADER = "000100%s2112a442b7e7a701bc34d686fa87dfae";

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("0001", "header: 2 bytes, not 20"),
        Arguments.of("c0010000" + "2112a442" + "b7e7a701bc34d686fa87dfae", "first bits of type 0xc001"),
        Arguments.of(String.format(HEADER, "02"), "length 2 is not a multiple of 4"),
        Arguments.of(String.format(HEADER, "08"), "length 8 but 0 bytes follow"),
        Arguments.of("0001000021120000b7e7a701bc34d686fa87dfae", "magic cookie 0x21120000"),
        Arguments.of(String.format(HEADER, "0c") + "002000080007a147e112a643", "XOR-MAPPED-ADDRESS: family 0x07"),
        Arguments.of(String.format(HEADER, "08") + "0020000400010000", "XOR-MAPPED-ADDRESS: length 4 for a family of 4 bytes"),
        Arguments.of(String.format(HEADER, "08") + "0020000c00010000", "attribute 0x0020: length 12 runs past the message"),
        Arguments.of(String.format(HEADER, "08") + "0009000400000100", "ERROR-CODE: class 1 number 0"),
        Arguments.of(String.format(HEADER, "08") + "0008000400000000", "MESSAGE-INTEGRITY: length 4, not 20"),
        Arguments.of(String.format(HEADER, "08") + "000a000300010000", "UNKNOWN-ATTRIBUTES: odd length 3"),
        // 200 bytes that are not UTF-8 decode to 600: more than USERNAME's 513.
        Arguments.of(String.format(HEADER, "cc") + "000600c8" + "ff".repeat(200), "USERNAME: not UTF-8"));
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void malformedInputIsATypedErrorThatSaysWhereAndWhy(String hex, String message) {
    StunParseException e = assertThrows(StunParseException.class,
        () -> StunCodec.decode(Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex))));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  /**
   * Bytes that do not frame a STUN message: both checks say false, as for a message without the
   * attribute, and throw nothing. The RFC 5769 request, whole, is the case where both hold.
   */
  static Stream<Arguments> framing() {
    String request = Rfc5769Test.REQUEST;
    return Stream.of(
        Arguments.of("the RFC 5769 request", request, true, true),
        Arguments.of("2 bytes", "0001", false, false),
        Arguments.of("19 bytes", request.substring(0, 38), false, false),
        Arguments.of("a header whose length 8 has nothing after it", String.format(HEADER, "08"), false, false),
        Arguments.of("the request without its last 8 bytes: length 0x58 past the end", request.substring(0, request.length() - 16), false, false),
        Arguments.of("length 0x56 is not a multiple of 4", "00010056" + request.substring(8, request.length() - 4), false, false),
        Arguments.of("SOFTWARE's length 0xfff0 runs past the end", request.replace("80220010", "8022fff0"), false, false),
        Arguments.of("FINGERPRINT's length 8 runs past the end", request.replace("80280004", "80280008"), false, false),
        Arguments.of("FINGERPRINT moved first", request.substring(0, 40) + request.substring(request.length() - 16)
            + request.substring(40, request.length() - 16), false, false),
        // An empty MAC equals an empty prefix of any HMAC: it must not verify under every key.
        Arguments.of("MESSAGE-INTEGRITY of length 0", String.format(HEADER, "04") + "00080000", false, false),
        Arguments.of("MESSAGE-INTEGRITY-SHA256 of length 0", String.format(HEADER, "04") + "001c0000", false, false),
        Arguments.of("MESSAGE-INTEGRITY-SHA256 of length 8", String.format(HEADER, "0c") + "001c0008" + "00".repeat(8), false, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("framing")
  void integrityAndFingerprintChecksSayFalseToBytesThatDoNotFrameAMessage(
      String name, String hex, boolean integrity, boolean fingerprint) {
    ByteBuf b = Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
    assertEquals(integrity, StunCodec.verifyIntegrity(b, StunCodec.shortTermKey("VOkJxbRl1RmTxUk/WvJxBt")), "integrity");
    assertEquals(fingerprint, StunCodec.verifyFingerprint(b), "fingerprint");
  }

  /** RFC 8489 §5 and the Binding types of §18.2: the class bits C1 C0 sit at bits 8 and 4. */
  static Stream<Arguments> classes() {
    return Stream.of(
        Arguments.of(StunClass.REQUEST, 0x0001),
        Arguments.of(StunClass.INDICATION, 0x0011),
        Arguments.of(StunClass.SUCCESS_RESPONSE, 0x0101),
        Arguments.of(StunClass.ERROR_RESPONSE, 0x0111));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("classes")
  void eachClassHasItsBindingTypeOnTheWire(StunClass c, int type) {
    StunMessage m = new StunMessage(c, StunMessage.BINDING, TransactionId.random(), List.of());
    ByteBuf b = StunCodec.encode(ByteBufAllocator.DEFAULT, m, null, false, false);
    try {
      assertEquals(type, b.getUnsignedShort(0));
      assertEquals(m, StunCodec.decode(b));
    } finally {
      b.release();
    }
  }

  /** SOFTWARE of 763 bytes takes 768 with its header and padding: 85 fit the length field, 86 do not. */
  @ParameterizedTest(name = "{0} SOFTWARE attributes fit: {1}")
  @CsvSource({"85, true", "86, false"})
  void aMessageLongerThanItsLengthFieldCountsIsNotEncoded(int count, boolean fits) {
    StunMessage m = new StunMessage(StunClass.INDICATION, StunMessage.BINDING, TransactionId.random(),
        java.util.Collections.nCopies(count, new Software("s".repeat(763))));
    if (!fits) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> StunCodec.encode(ByteBufAllocator.DEFAULT, m, null, false, false));
      assertEquals("the attributes take 66048 bytes; a STUN length field counts 65535", e.getMessage());
      return;
    }
    ByteBuf b = StunCodec.encode(ByteBufAllocator.DEFAULT, m, null, false, false);
    try {
      assertEquals(count * 768, b.getUnsignedShort(2));
      assertEquals(m, StunCodec.decode(b));
    } finally {
      b.release();
    }
  }

  /** One of each attribute the codec knows. */
  static List<StunAttribute> everyAttribute() {
    return List.of(
        new MappedAddress(new InetSocketAddress("198.51.100.1", 1)),
        new XorMappedAddress(new InetSocketAddress("2001:db8::7", 65535)),
        new AlternateServer(new InetSocketAddress("203.0.113.1", 3478)),
        new ResponseOrigin(new InetSocketAddress("203.0.113.2", 3479)),
        new OtherAddress(new InetSocketAddress("203.0.113.3", 3480)),
        new Username("user"), new Realm("realm"), new Nonce("nonce"), new Software("macula"),
        new ErrorCode(420, "Unknown Attribute"), new UnknownAttributes(List.of(0x7777, 0x0002)),
        new ChangeRequest(true, false), new ResponsePort(5000), new Padding(7), new Priority(0xFFFFFFFFL),
        new UseCandidate(), new IceControlled(-1), new IceControlling(42));
  }

  @Test
  void everyAttributeRoundTrips() {
    StunMessage m = new StunMessage(StunClass.ERROR_RESPONSE, StunMessage.BINDING, TransactionId.random(),
        everyAttribute());

    ByteBuf b = StunCodec.encode(ByteBufAllocator.DEFAULT, m, "key".getBytes(), true, true);
    StunMessage back = StunCodec.decode(b);

    assertEquals(StunClass.ERROR_RESPONSE, back.messageClass());
    assertEquals(m.transactionId(), back.transactionId());
    assertEquals(m.attributes(), back.attributes().subList(0, m.attributes().size()));
    assertTrue(StunCodec.verifyIntegrity(b, "key".getBytes()));
    assertTrue(StunCodec.verifyFingerprint(b));
    assertTrue(StunCodec.looksLikeStun(b));
  }

  @Test
  void unknownComprehensionRequiredAttributesAreNamed() {
    StunMessage m = StunCodec.decode(Unpooled.wrappedBuffer(HexFormat.of().parseHex(
        String.format(HEADER, "10") + "7777000401020304" + "c0de000401020304")));
    assertEquals(List.of(0x7777), StunCodec.unknownRequired(m));
  }

  /**
   * A million messages made by mutating valid ones and by random bytes: the codec throws nothing
   * but its typed error, and what it decodes, it encodes and decodes again to the same.
   */
  @Test
  void aMillionMutatedMessagesGiveOnlyTypedErrors() {
    Random random = new Random(1);
    byte[][] seeds = {
      HexFormat.of().parseHex(Rfc5769Test.REQUEST),
      HexFormat.of().parseHex(Rfc5769Test.IPV4_RESPONSE),
      HexFormat.of().parseHex(Rfc5769Test.IPV6_RESPONSE),
    };
    int iterations = Integer.getInteger("stun.fuzz.iterations", 1_000_000);
    int decoded = 0;
    for (int i = 0; i < iterations; i++) {
      // Half the seeds are the RFC's vectors, half valid messages generated with every attribute kind.
      byte[] seed = random.nextBoolean() ? seeds[random.nextInt(seeds.length)] : generated(random);
      byte[] input = mutate(seed, random);
      try {
        StunMessage m = StunCodec.decode(Unpooled.wrappedBuffer(input));
        decoded++;
        ByteBuf again = StunCodec.encode(ByteBufAllocator.DEFAULT, m, null, false, false);
        StunMessage twice = StunCodec.decode(again);
        again.release();
        // The encoder computes its own integrity and fingerprint (here none): all else is the same.
        List<StunAttribute> kept = m.attributes().stream()
            .filter(a -> !(a instanceof MessageIntegrity || a instanceof MessageIntegritySha256 || a instanceof Fingerprint))
            .toList();
        assertEquals(new StunMessage(m.messageClass(), m.method(), m.transactionId(), kept), twice,
            "decode, encode, decode: " + HexFormat.of().formatHex(input));
      } catch (StunParseException expected) {
        // the typed error
      } catch (RuntimeException e) {
        throw new AssertionError("input " + HexFormat.of().formatHex(input) + " threw " + e, e);
      }
    }
    assertTrue(decoded > iterations / 100, "too few mutants decoded for the test to mean much: " + decoded);
  }

  /** A valid message with a few attributes of any kind the codec knows, and sometimes an unknown one. */
  static byte[] generated(Random r) {
    List<StunAttribute> attributes = new java.util.ArrayList<>();
    for (int n = r.nextInt(6); n > 0; n--) {
      attributes.add(randomAttribute(r));
    }
    StunMessage m = new StunMessage(StunClass.values()[r.nextInt(4)], r.nextInt(0x1000), TransactionId.random(), attributes);
    ByteBuf b = StunCodec.encode(ByteBufAllocator.DEFAULT, m, r.nextBoolean() ? new byte[] {1, 2, 3} : null,
        r.nextBoolean(), r.nextBoolean());
    try {
      byte[] out = new byte[b.readableBytes()];
      b.readBytes(out);
      return out;
    } finally {
      b.release();
    }
  }

  private static StunAttribute randomAttribute(Random r) {
    java.net.InetSocketAddress address;
    try {
      byte[] ip = new byte[r.nextBoolean() ? 4 : 16];
      r.nextBytes(ip);
      address = new java.net.InetSocketAddress(java.net.InetAddress.getByAddress(ip), r.nextInt(65536));
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
    String text = "x".repeat(r.nextInt(40)) + (r.nextBoolean() ? "é" : "");
    return switch (r.nextInt(19)) {
      case 0 -> new XorMappedAddress(address);
      case 1 -> new MappedAddress(address);
      case 2 -> new AlternateServer(address);
      case 3 -> new ResponseOrigin(address);
      case 4 -> new OtherAddress(address);
      case 5 -> new Username(text);
      case 6 -> new Realm(text);
      case 7 -> new Nonce(text);
      case 8 -> new Software(text);
      case 9 -> new ErrorCode(300 + r.nextInt(400), text);
      case 10 -> new UnknownAttributes(List.of(r.nextInt(65536), r.nextInt(65536)));
      case 11 -> new ChangeRequest(r.nextBoolean(), r.nextBoolean());
      case 12 -> new ResponsePort(r.nextInt(65536));
      case 13 -> new Padding(r.nextInt(64));
      case 14 -> new Priority(r.nextInt() & 0xffffffffL);
      case 15 -> new UseCandidate();
      case 16 -> new IceControlled(r.nextLong());
      case 17 -> new IceControlling(r.nextLong());
      default -> {
        byte[] v = new byte[r.nextInt(20)];
        r.nextBytes(v);
        yield new UnknownAttribute(0xC000 + r.nextInt(0x3000), v);
      }
    };
  }

  private static byte[] mutate(byte[] seed, Random r) {
    switch (r.nextInt(4)) {
      case 0 -> {
        byte[] b = seed.clone();
        for (int k = 1 + r.nextInt(4); k > 0; k--) {
          b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        }
        return b;
      }
      case 1 -> {
        return java.util.Arrays.copyOf(seed, r.nextInt(seed.length + 1));
      }
      case 2 -> {
        byte[] b = seed.clone();
        if (b.length <= 20) {
          return b;
        }
        int at = 20 + 4 * r.nextInt((b.length - 20) / 4);
        b[at + 2] = (byte) r.nextInt(256); // an attribute's length
        b[at + 3] = (byte) r.nextInt(256);
        return b;
      }
      default -> {
        byte[] b = new byte[r.nextInt(120)];
        r.nextBytes(b);
        if (b.length >= 8) {
          b[0] &= 0x3f;
          b[4] = 0x21;
          b[5] = 0x12;
          b[6] = (byte) 0xa4;
          b[7] = 0x42;
        }
        return b;
      }
    }
  }
}
