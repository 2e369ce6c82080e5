package io.macula.nat.stun.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.macula.nat.api.NatBehavior;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link NatInfo#behavior()}: every discovery result the record can hold, and the name it gets. */
class NatInfoTest {
  private static final InetSocketAddress LOCAL = new InetSocketAddress("192.168.1.10", 7400);
  private static final InetSocketAddress MAPPED = new InetSocketAddress("203.0.113.7", 40001);

  /**
   * The whole decision, one row per mapping × filtering. The columns after them are the behaviour
   * with a mapped address, and without one; each when some UDP answer came and when none did.
   * (A mapped address with no UDP answer cannot come from one run, but the record can hold it: a
   * mapped address is itself an answer.)
   */
  private static final String TABLE = """
      # mapping                   filtering                   mapped,answer         mapped,none           none,answer  none,none
      UNKNOWN                     UNKNOWN                     UNKNOWN               UNKNOWN               UNKNOWN      UDP_BLOCKED
      UNKNOWN                     ENDPOINT_INDEPENDENT        UNKNOWN               UNKNOWN               UNKNOWN      UDP_BLOCKED
      UNKNOWN                     ADDRESS_DEPENDENT           UNKNOWN               UNKNOWN               UNKNOWN      UDP_BLOCKED
      UNKNOWN                     ADDRESS_AND_PORT_DEPENDENT  UNKNOWN               UNKNOWN               UNKNOWN      UDP_BLOCKED
      NO_NAT                      UNKNOWN                     NONE                  NONE                  UNKNOWN      UDP_BLOCKED
      NO_NAT                      ENDPOINT_INDEPENDENT        NONE                  NONE                  UNKNOWN      UDP_BLOCKED
      NO_NAT                      ADDRESS_DEPENDENT           NONE                  NONE                  UNKNOWN      UDP_BLOCKED
      NO_NAT                      ADDRESS_AND_PORT_DEPENDENT  NONE                  NONE                  UNKNOWN      UDP_BLOCKED
      ENDPOINT_INDEPENDENT        UNKNOWN                     UNKNOWN               UNKNOWN               UNKNOWN      UDP_BLOCKED
      ENDPOINT_INDEPENDENT        ENDPOINT_INDEPENDENT        FULL_CONE             FULL_CONE             UNKNOWN      UDP_BLOCKED
      ENDPOINT_INDEPENDENT        ADDRESS_DEPENDENT           RESTRICTED_CONE       RESTRICTED_CONE       UNKNOWN      UDP_BLOCKED
      ENDPOINT_INDEPENDENT        ADDRESS_AND_PORT_DEPENDENT  PORT_RESTRICTED_CONE  PORT_RESTRICTED_CONE  UNKNOWN      UDP_BLOCKED
      ADDRESS_DEPENDENT           UNKNOWN                     SYMMETRIC             SYMMETRIC             UNKNOWN      UDP_BLOCKED
      ADDRESS_DEPENDENT           ENDPOINT_INDEPENDENT        SYMMETRIC             SYMMETRIC             UNKNOWN      UDP_BLOCKED
      ADDRESS_DEPENDENT           ADDRESS_DEPENDENT           SYMMETRIC             SYMMETRIC             UNKNOWN      UDP_BLOCKED
      ADDRESS_DEPENDENT           ADDRESS_AND_PORT_DEPENDENT  SYMMETRIC             SYMMETRIC             UNKNOWN      UDP_BLOCKED
      ADDRESS_AND_PORT_DEPENDENT  UNKNOWN                     SYMMETRIC             SYMMETRIC             UNKNOWN      UDP_BLOCKED
      ADDRESS_AND_PORT_DEPENDENT  ENDPOINT_INDEPENDENT        SYMMETRIC             SYMMETRIC             UNKNOWN      UDP_BLOCKED
      ADDRESS_AND_PORT_DEPENDENT  ADDRESS_DEPENDENT           SYMMETRIC             SYMMETRIC             UNKNOWN      UDP_BLOCKED
      ADDRESS_AND_PORT_DEPENDENT  ADDRESS_AND_PORT_DEPENDENT  SYMMETRIC             SYMMETRIC             UNKNOWN      UDP_BLOCKED
      """;

  private record Row(MappingBehavior mapping, FilteringBehavior filtering, List<NatBehavior> expected) {}

  private static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (String line : TABLE.strip().split("\n")) {
      if (line.strip().startsWith("#")) {
        continue;
      }
      String[] f = line.strip().split(" +");
      rows.add(new Row(MappingBehavior.valueOf(f[0]), FilteringBehavior.valueOf(f[1]),
          Stream.of(f[2], f[3], f[4], f[5]).map(NatBehavior::valueOf).toList()));
    }
    return rows;
  }

  static Stream<Arguments> combinations() {
    List<Arguments> out = new ArrayList<>();
    for (Row r : rows()) {
      int column = 0;
      for (boolean mapped : new boolean[] {true, false}) {
        for (boolean noUdpAnswer : new boolean[] {false, true}) {
          NatBehavior expected = r.expected().get(column++);
          out.add(Arguments.of(
              r.mapping() + " mapping, " + r.filtering() + " filtering, " + (mapped ? "mapped" : "no mapped address")
                  + (noUdpAnswer ? ", no UDP answer" : ""),
              info(r.mapping(), r.filtering(), mapped, noUdpAnswer), expected));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("combinations")
  void behaviorNamesEveryCombination(String name, NatInfo info, NatBehavior expected) {
    assertEquals(expected, info.behavior());
  }

  @Test
  void theTableHasEveryMappingAndFilteringOnce() {
    List<String> expected = new ArrayList<>();
    for (MappingBehavior m : MappingBehavior.values()) {
      for (FilteringBehavior f : FilteringBehavior.values()) {
        expected.add(m + " " + f);
      }
    }
    assertEquals(expected, rows().stream().map(r -> r.mapping() + " " + r.filtering()).toList());
  }

  @Test
  void udpPassesClearsNoUdpAnswerAndTurnsBlockedIntoUnknown() {
    NatInfo silent = info(MappingBehavior.UNKNOWN, FilteringBehavior.UNKNOWN, false, true);
    NatInfo passes = silent.udpPasses("the hub session is up");

    assertEquals(NatBehavior.UDP_BLOCKED, silent.behavior());
    assertEquals(NatBehavior.UNKNOWN, passes.behavior());
    assertEquals("no server answered; yet UDP passes: the hub session is up", passes.detail());
    NatInfo answered = info(MappingBehavior.ENDPOINT_INDEPENDENT, FilteringBehavior.ENDPOINT_INDEPENDENT, true, false);
    assertEquals(answered, answered.udpPasses("anything"), "a result with answers is kept as it is");
  }

  private static NatInfo info(MappingBehavior mapping, FilteringBehavior filtering, boolean mapped, boolean noUdpAnswer) {
    return new NatInfo(
        mapped ? Optional.of(new InetSocketAddress("198.51.100.1", 3478)) : Optional.empty(),
        LOCAL,
        mapped ? Optional.of(MAPPED) : Optional.empty(),
        mapping,
        filtering,
        Optional.empty(),
        noUdpAnswer,
        "no server answered",
        Instant.parse("2025-01-01T00:00:00Z"));
  }
}
