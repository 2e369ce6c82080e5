package io.macula.nat.stun.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of the STUN codec with Jazzer, after pion/stun {@code fuzz_test.go}:
 * whatever the bytes, the codec throws nothing but {@link StunParseException}, and what it decodes
 * it encodes and decodes again to an equal message.
 *
 * <p>{@code mvn verify} runs the seeds below and nothing else; {@code mvn -Pfuzz} fuzzes (see the
 * root pom). A crash the fuzzer finds is kept here as a seed, named for its bug.
 */
class StunCodecFuzzTest {
  private static final byte[] KEY = StunCodec.shortTermKey("VOkJxbRl1RmTxUk/WvJxBt");

  private static List<StunAttribute> with(List<StunAttribute> all, StunAttribute more) {
    List<StunAttribute> out = new java.util.ArrayList<>(all);
    out.add(more);
    return out;
  }

  static Stream<Arguments> seeds() {
    StunMessage everyAttribute = new StunMessage(StunClass.SUCCESS_RESPONSE, StunMessage.BINDING,
        TransactionId.of(HexFormat.of().parseHex("b7e7a701bc34d686fa87dfae")), with(
            StunCodecTest.everyAttribute(), new UnknownAttribute(0xC0DE, new byte[] {1, 2, 3})));
    ByteBuf b = StunCodec.encode(ByteBufAllocator.DEFAULT, everyAttribute, KEY, true, true);
    byte[] encoded = ByteBufUtil.getBytes(b);
    b.release();
    return Stream.of(
        seed("RFC 5769 2.1 request", Rfc5769Test.REQUEST),
        seed("RFC 5769 2.2 IPv4 response", Rfc5769Test.IPV4_RESPONSE),
        seed("RFC 5769 2.3 IPv6 response", Rfc5769Test.IPV6_RESPONSE),
        seed("RFC 5769 2.4 long-term request", Rfc5769Test.LONG_TERM_REQUEST),
        Arguments.of(Named.of("every attribute, MESSAGE-INTEGRITY-SHA256, FINGERPRINT", encoded)),
        // 300 bytes that are not UTF-8 read as 300 U+FFFD, 900 bytes: more than ERROR-CODE holds.
        seed("an ERROR-CODE reason that is not UTF-8", "011101342112a442b7e7a701bc34d686fa87dfae"
            + "00090130" + "00000400" + "ff".repeat(300)));
  }

  private static Arguments seed(String name, String hex) {
    return Arguments.of(Named.of(name, HexFormat.of().parseHex(hex)));
  }

  @MethodSource("seeds")
  @FuzzTest
  void decodeThrowsOnlyItsTypedErrorAndReEncodesToTheSame(byte[] input) {
    ByteBuf b = Unpooled.wrappedBuffer(input);
    boolean framed = StunCodec.looksLikeStun(b);
    // The checks a receiver may run on raw bytes throw nothing either, and hold only for a message.
    boolean integrity = StunCodec.verifyIntegrity(b, KEY);
    boolean fingerprint = StunCodec.verifyFingerprint(b);
    assertTrue(framed || !integrity && !fingerprint, "integrity or fingerprint holds for what is not STUN");

    StunMessage m;
    try {
      m = StunCodec.decode(b);
    } catch (StunParseException expected) {
      return;
    }
    assertTrue(framed, "decoded what looksLikeStun refuses");

    // The encoder computes its own integrity and fingerprint (here none): all else is the same.
    List<StunAttribute> kept = m.attributes().stream()
        .filter(a -> !(a instanceof MessageIntegrity || a instanceof MessageIntegritySha256 || a instanceof Fingerprint))
        .toList();
    ByteBuf again = StunCodec.encode(ByteBufAllocator.DEFAULT, m, null, false, false);
    try {
      assertEquals(new StunMessage(m.messageClass(), m.method(), m.transactionId(), kept), StunCodec.decode(again));
    } finally {
      again.release();
    }
    ByteBuf signed = StunCodec.encode(ByteBufAllocator.DEFAULT, m, KEY, false, true);
    try {
      assertTrue(StunCodec.verifyIntegrity(signed, KEY), "its own MESSAGE-INTEGRITY");
      assertTrue(StunCodec.verifyFingerprint(signed), "its own FINGERPRINT");
    } finally {
      signed.release();
    }
  }
}
