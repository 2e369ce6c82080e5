package io.macula.nat.strategy.holepunch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.macula.nat.api.NatBehavior;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which pairs of NATs the strategy does not even try, and which it does. */
class HopelessPairsTest {
  static Stream<Arguments> pairs() {
    return Stream.of(
        Arguments.of(NatBehavior.SYMMETRIC, NatBehavior.SYMMETRIC, true),
        Arguments.of(NatBehavior.SYMMETRIC, NatBehavior.PORT_RESTRICTED_CONE, true),
        Arguments.of(NatBehavior.PORT_RESTRICTED_CONE, NatBehavior.SYMMETRIC, true),
        Arguments.of(NatBehavior.UDP_BLOCKED, NatBehavior.FULL_CONE, true),
        Arguments.of(NatBehavior.FULL_CONE, NatBehavior.UDP_BLOCKED, true),
        Arguments.of(NatBehavior.SYMMETRIC, NatBehavior.FULL_CONE, false),
        Arguments.of(NatBehavior.SYMMETRIC, NatBehavior.RESTRICTED_CONE, false),
        Arguments.of(NatBehavior.PORT_RESTRICTED_CONE, NatBehavior.PORT_RESTRICTED_CONE, false),
        Arguments.of(NatBehavior.UNKNOWN, NatBehavior.SYMMETRIC, false),
        Arguments.of(NatBehavior.NONE, NatBehavior.SYMMETRIC, false));
  }

  @ParameterizedTest(name = "{0} with {1}: hopeless {2}")
  @MethodSource("pairs")
  void onlyPairsNoPunchGetsThroughAreLeftOut(NatBehavior local, NatBehavior remote, boolean hopeless) {
    assertEquals(hopeless, HolePunchStrategy.hopeless(local, remote).isPresent());
  }
}
