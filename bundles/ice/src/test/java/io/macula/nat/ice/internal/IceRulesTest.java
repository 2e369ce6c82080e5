package io.macula.nat.ice.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.ice.api.Candidate;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The rules of RFC 8445 the agent applies, and the signals it exchanges, case by case. */
class IceRulesTest {
  @Test
  void pairPriorityFollowsTheRfcFormula() {
    // §6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0)
    assertEquals((5L << 32) + 2 * 7 + 1, CandidatePair.priority(7, 5));
    assertEquals((5L << 32) + 2 * 7, CandidatePair.priority(5, 7));
    long high = Candidate.priority(io.macula.nat.ice.api.CandidateType.HOST, 65535, 1);
    assertTrue(CandidatePair.priority(high, high) > 0, "no overflow with the largest priorities");
  }

  static Stream<Arguments> roleConflicts() {
    long small = 1;
    long big = 0xF000_0000_0000_0000L; // negative as a long: compared unsigned
    return Stream.of(
        Arguments.of("controlling meets controlled: no conflict", true, small, false, big, RoleConflict.NONE),
        Arguments.of("both controlling, ours larger: reject with 487", true, big, true, small, RoleConflict.REJECT),
        Arguments.of("both controlling, ours smaller: switch", true, small, true, big, RoleConflict.SWITCH),
        Arguments.of("both controlled, ours larger: switch", false, big, false, small, RoleConflict.SWITCH),
        Arguments.of("both controlled, ours smaller: reject with 487", false, small, false, big, RoleConflict.REJECT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("roleConflicts")
  void roleConflictsResolveByTheTieBreaker(String name, boolean weControl, long ours, boolean theyControl,
      long theirs, RoleConflict expected) {
    assertEquals(expected, RoleConflict.resolve(weControl, ours, theyControl, theirs));
  }

  @Test
  void signalsRoundTrip() throws Exception {
    Candidate c = Candidate.parse("1 1 udp 2130706431 10.0.1.2 40001 typ host");
    for (IceSignal s : List.of(
        new IceSignal.Offer("sess1", "ufrg", "abcdefghijklmnopqrstuv+/", -5L),
        new IceSignal.Offer("sess2", "ufrg", "abcdefghijklmnopqrstuv+/", 9L, false),
        new IceSignal.Answer("sess1", "u2fg", "ABCDEFGHIJKLMNOPQRSTUV12", 42L),
        new IceSignal.Trickle("sess1", c),
        new IceSignal.End("sess1"),
        new IceSignal.Bye("sess1"))) {
      assertEquals(s, IceSignal.decode(IceSignal.encode(s)));
    }
  }

  static Stream<Arguments> badSignals() {
    return Stream.of(
        Arguments.of("not ICE", "hello there"),
        Arguments.of("unknown message", "ice/1 shout sess1"),
        Arguments.of("ufrag too short", "ice/1 offer sess1 abc abcdefghijklmnopqrstuvwx 1"),
        Arguments.of("password too short", "ice/1 offer sess1 abcd short 1"),
        Arguments.of("no tie-breaker", "ice/1 answer sess1 abcd abcdefghijklmnopqrstuvwx"),
        Arguments.of("an answer says nothing of relays", "ice/1 answer sess1 abcd abcdefghijklmnopqrstuvwx 1 norelay"),
        Arguments.of("an offer's fifth word is norelay or nothing", "ice/1 offer sess1 abcd abcdefghijklmnopqrstuvwx 1 relay"),
        Arguments.of("tie-breaker not a number", "ice/1 answer sess1 abcd abcdefghijklmnopqrstuvwx x"),
        Arguments.of("bad session id", "ice/1 end sess;1"),
        Arguments.of("candidate with a name", "ice/1 candidate sess1 1 1 udp 1 example.org 5 typ host"),
        Arguments.of("candidate missing", "ice/1 candidate sess1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSignals")
  void malformedSignalsAreTypedErrors(String name, String text) {
    assertThrows(IceSignal.MalformedSignal.class, () -> IceSignal.decode(text.getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void randomBytesNeverThrowAnythingElse() {
    java.util.Random r = new java.util.Random(7);
    for (int i = 0; i < 100_000; i++) {
      byte[] b = new byte[r.nextInt(80)];
      r.nextBytes(b);
      if (r.nextBoolean() && b.length > 6) {
        System.arraycopy("ice/1 ".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 6);
      }
      try {
        IceSignal.decode(b);
      } catch (IceSignal.MalformedSignal expected) {
        // the typed error
      } catch (RuntimeException e) {
        throw new AssertionError("input " + java.util.HexFormat.of().formatHex(b) + " threw " + e, e);
      }
    }
  }
}
