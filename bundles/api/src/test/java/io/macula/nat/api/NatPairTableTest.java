package io.macula.nat.api;

import static io.macula.nat.api.NatBehavior.FULL_CONE;
import static io.macula.nat.api.NatBehavior.NONE;
import static io.macula.nat.api.NatBehavior.PORT_RESTRICTED_CONE;
import static io.macula.nat.api.NatBehavior.RESTRICTED_CONE;
import static io.macula.nat.api.NatBehavior.SYMMETRIC;
import static io.macula.nat.api.NatBehavior.UDP_BLOCKED;
import static io.macula.nat.api.NatBehavior.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NatPairTableTest {
  private static final PathKind D = PathKind.DIRECT;
  private static final PathKind P = PathKind.HOLE_PUNCHED;
  private static final PathKind R = PathKind.HUB_RELAY;

  /**
   * Every pair, written out by hand: rows the connecting node's NAT, columns the accepting one's,
   * in the order none, full cone, restricted cone, port-restricted cone, symmetric, UDP blocked,
   * unknown. Null: no path is certain.
   */
  private static final NatBehavior[] ORDER = {NONE, FULL_CONE, RESTRICTED_CONE, PORT_RESTRICTED_CONE, SYMMETRIC, UDP_BLOCKED, UNKNOWN};
  private static final PathKind[][] EXPECTED = {
      /* none        */ {D, D, D, D, D, R, null},
      /* full cone   */ {D, D, P, P, P, R, null},
      /* restricted  */ {D, D, P, P, P, R, null},
      /* port-restr. */ {D, D, P, P, R, R, null},
      /* symmetric   */ {D, D, P, R, R, R, null},
      /* UDP blocked */ {R, R, R, R, R, R, null},
      /* unknown     */ {D, D, null, null, null, null, null},
  };

  static Stream<Arguments> everyPair() {
    List<Arguments> out = new ArrayList<>();
    for (int i = 0; i < ORDER.length; i++) {
      for (int j = 0; j < ORDER.length; j++) {
        out.add(Arguments.of(ORDER[i], ORDER[j], EXPECTED[i][j]));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} connects to {1}: {2}")
  @MethodSource("everyPair")
  void bestPathOfEveryPair(NatBehavior connecting, NatBehavior accepting, PathKind expected) {
    NatPairTable.Verdict v = NatPairTable.best(connecting, accepting);
    assertEquals(Optional.ofNullable(expected), v.best(), v.reason());
    assertTrue(!v.reason().isBlank());
  }

  /** With TURN servers, exactly the pairs the hub relayed go by TURN (over TCP where UDP is blocked); the rest stay. */
  @ParameterizedTest(name = "{0} connects to {1}, both with TURN servers")
  @MethodSource("everyPair")
  void turnTakesExactlyTheHubRelaysPairs(NatBehavior connecting, NatBehavior accepting, PathKind expected) {
    NatPairTable.Verdict v = NatPairTable.best(connecting, accepting, true);
    assertEquals(Optional.ofNullable(expected == R ? PathKind.TURN : expected), v.best(), v.reason());
  }

  @ParameterizedTest(name = "{0} and {1}")
  @MethodSource("everyPair")
  void punchabilityIsSymmetricAndAgreesWithTheBestPath(NatBehavior a, NatBehavior b, PathKind expected) {
    assertEquals(NatPairTable.unpunchable(a, b), NatPairTable.unpunchable(b, a));
    if (expected == P) {
      assertEquals(Optional.empty(), NatPairTable.unpunchable(a, b));
    }
    if (expected == R) {
      assertTrue(NatPairTable.unpunchable(a, b).isPresent());
    }
  }

  @Test
  void theReadmeShowsTheTable() throws Exception {
    String readme = Files.readString(Path.of("..", "..", "README.md"));
    assertTrue(readme.contains(NatPairTable.markdown()),
        "README.md must hold NatPairTable.markdown() as it is now:\n" + NatPairTable.markdown());
  }

  @Test
  void latencyTargetsAreTheRoadmaps() {
    assertEquals(50, PathKind.DIRECT.latencyTarget().toMillis());
    assertEquals(100, PathKind.HOLE_PUNCHED.latencyTarget().toMillis());
    assertEquals(200, PathKind.TURN.latencyTarget().toMillis());
  }
}
