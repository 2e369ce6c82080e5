package io.macula.nat.ice.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of the candidate-attribute parser (Jazzer), which reads what a peer
 * trickles: whatever the text, {@link Candidate#parse} throws nothing but {@link
 * IllegalArgumentException}, and what it parses it writes and parses again to an equal candidate.
 *
 * <p>{@code mvn verify} runs the seeds below and nothing else; {@code mvn -Pfuzz} fuzzes (see the
 * root pom). A crash the fuzzer finds is kept here as a seed, named for its bug.
 */
class CandidateFuzzTest {
  static Stream<Arguments> seeds() {
    return Stream.of(
        seed("host", "1 1 udp 2130706431 10.0.1.2 40001 typ host"),
        seed("srflx with related address", "s1 1 udp 1694498815 198.51.100.3 36299 typ srflx raddr 10.3.0.2 rport 36299"),
        seed("IPv6 host", "h6 1 udp 2130706431 2001:db8::1 5000 typ host"),
        seed("IPv4-mapped relay", "r 2 UDP 16777215 ::ffff:192.0.2.9 3478 typ relay raddr 0.0.0.0 rport 9 generation 0"),
        // Literals that InetAddress.getByName would have sent to a resolver.
        seed("an octet over 255", "1 1 udp 1 999.1.1.1 5000 typ host"),
        seed("IPv6 that starts with a dot", "1 1 udp 1 .:1 5000 typ host"));
  }

  private static Arguments seed(String name, String sdp) {
    return Arguments.of(Named.of(name, sdp.getBytes(StandardCharsets.UTF_8)));
  }

  @MethodSource("seeds")
  @FuzzTest
  void parseThrowsOnlyIllegalArgumentAndWritesBackTheSame(byte[] input) {
    Candidate c;
    try {
      c = Candidate.parse(new String(input, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException expected) {
      return;
    }
    assertEquals(c, Candidate.parse(c.toSdp()));
  }
}
