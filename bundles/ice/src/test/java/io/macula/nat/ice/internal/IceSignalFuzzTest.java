package io.macula.nat.ice.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of the ICE signals a peer sends through the hub (Jazzer): whatever the
 * bytes, decoding throws nothing but {@link IceSignal.MalformedSignal}, and what it decodes it
 * encodes and decodes again to an equal signal.
 *
 * <p>{@code mvn verify} runs the seeds below and nothing else; {@code mvn -Pfuzz} fuzzes (see the
 * root pom). A crash the fuzzer finds is kept here as a seed, named for its bug.
 */
class IceSignalFuzzTest {
  static Stream<Arguments> seeds() {
    return Stream.of(
        seed("offer", "ice/1 offer sess1 ufrg abcdefghijklmnopqrstuv+/ 18446744073709551611"),
        seed("answer", "ice/1 answer sess1 u2fg ABCDEFGHIJKLMNOPQRSTUV12 42"),
        seed("host candidate", "ice/1 candidate sess1 1 1 udp 2130706431 10.0.1.2 40001 typ host"),
        seed("srflx candidate", "ice/1 candidate s-2 s1 1 udp 1694498815 198.51.100.3 36299 typ srflx raddr 10.3.0.2 rport 36299"),
        seed("IPv6 candidate", "ice/1 candidate s_3 h6 1 udp 2130706431 2001:db8::1 5000 typ host"),
        seed("end", "ice/1 end sess1"),
        seed("bye", "ice/1 bye sess1"),
        // Found by fuzzing: bytes over 0x7F read as U+FFFD, which the candidate took into its
        // foundation and the encoder wrote back as '?'. A foundation is ice-chars only now.
        // "ice/1 candidate s_3 h", 17 bytes 0xff, "6 1 udp 2130706431 2001:db8::1 5800 typ host"
        Arguments.of(Named.of("a foundation that is not ASCII", HexFormat.of().parseHex(
            "6963652f312063616e64696461746520735f332068" + "ff".repeat(17)
            + "36203120756470203231333037303634333120323030313a6462383a3a3120353830302074797020686f7374"))));
  }

  private static Arguments seed(String name, String text) {
    return Arguments.of(Named.of(name, text.getBytes(StandardCharsets.US_ASCII)));
  }

  @MethodSource("seeds")
  @FuzzTest
  void decodeThrowsOnlyMalformedSignalAndReEncodesToTheSame(byte[] input) throws IceSignal.MalformedSignal {
    IceSignal s;
    try {
      s = IceSignal.decode(input);
    } catch (IceSignal.MalformedSignal expected) {
      return;
    }
    assertEquals(s, IceSignal.decode(IceSignal.encode(s)));
  }
}
