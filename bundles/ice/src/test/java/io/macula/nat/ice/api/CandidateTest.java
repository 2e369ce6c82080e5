package io.macula.nat.ice.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CandidateTest {
  static Stream<Arguments> wellFormed() {
    return Stream.of(
        Arguments.of("host", "1 1 udp 2130706431 10.0.1.2 40001 typ host"),
        Arguments.of("srflx with related address",
            "s1 1 udp 1694498815 198.51.100.3 36299 typ srflx raddr 10.3.0.2 rport 36299"),
        Arguments.of("IPv6 host", "h6 1 udp 2130706431 2001:db8:0:0:0:0:0:1 5000 typ host"),
        Arguments.of("peer-reflexive", "p1 1 udp 1862270975 203.0.113.7 9 typ prflx"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wellFormed")
  void parsesAndWritesBackTheSameAttribute(String name, String sdp) {
    assertEquals(sdp, Candidate.parse(sdp).toSdp());
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("too short", "1 1 udp 1 10.0.0.1 5000", "not a candidate"),
        Arguments.of("tcp", "1 1 tcp 1 10.0.0.1 5000 typ host", "transport tcp"),
        Arguments.of("a name, not an address", "1 1 udp 1 example.org 5000 typ host", "not numeric"),
        // Both look like literals, but the JDK would ask a resolver for them.
        Arguments.of("an IPv4 octet over 255", "1 1 udp 1 999.1.1.1 5000 typ host", "octet 999 over 255"),
        Arguments.of("an IPv6 address that starts with a dot", "1 1 udp 1 .:1 5000 typ host", "'.:1' is not an IPv6 literal"),
        Arguments.of("a foundation with a character outside ice-char", "h;1 1 udp 1 10.0.0.1 5000 typ host", "ice-chars"),
        Arguments.of("a foundation of 33 characters", "f".repeat(33) + " 1 udp 1 10.0.0.1 5000 typ host", "1 to 32 ice-chars"),
        Arguments.of("port out of range", "1 1 udp 1 10.0.0.1 70000 typ host", "port 70000"),
        Arguments.of("unknown type", "1 1 udp 1 10.0.0.1 5000 typ mystery", "unknown candidate type"),
        Arguments.of("priority zero", "1 1 udp 0 10.0.0.1 5000 typ host", "priority"),
        Arguments.of("priority not a number", "1 1 udp x 10.0.0.1 5000 typ host", "priority 'x'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void refusesWhatIsNotACandidateAndSaysWhy(String name, String sdp, String why) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Candidate.parse(sdp));
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }

  @Test
  void priorityFollowsTheRfcFormula() {
    // RFC 8445 §5.1.2.1: (2^24)*126 + (2^8)*65535 + (256 - 1)
    assertEquals(2130706431L, Candidate.priority(CandidateType.HOST, 65535, 1));
    assertEquals((100L << 24) + (65535L << 8) + 255, Candidate.priority(CandidateType.SERVER_REFLEXIVE, 65535, 1));
    assertTrue(Candidate.priority(CandidateType.HOST, 0, 1) > Candidate.priority(CandidateType.PEER_REFLEXIVE, 65535, 1));
    assertTrue(Candidate.priority(CandidateType.PEER_REFLEXIVE, 0, 1) > Candidate.priority(CandidateType.SERVER_REFLEXIVE, 65535, 1));
  }

  @Test
  void aCandidateNamesItsRelatedAddress() {
    Candidate c = new Candidate("s", 1, 5, new InetSocketAddress("198.51.100.1", 1), CandidateType.SERVER_REFLEXIVE,
        Optional.of(new InetSocketAddress("10.0.0.2", 2)));
    assertEquals("s 1 udp 5 198.51.100.1 1 typ srflx raddr 10.0.0.2 rport 2", c.toSdp());
  }
}
