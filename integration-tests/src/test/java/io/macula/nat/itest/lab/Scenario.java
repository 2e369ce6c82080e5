package io.macula.nat.itest.lab;

/**
 * One row of the matrix: a node that connects, a node it connects to, the strategy expected to
 * win with the strategies installed today (null: expected to fail), and the roadmap's target.
 */
record Scenario(String name, String from, NatType fromNat, String to, NatType toNat, String expected, String target) {

  /** What a run of the scenario gave. */
  record Outcome(Scenario scenario, String winner, long connectMs, double rttMs, double mbPerSecond, String verdict, String detail) {}

  /**
   * With the direct, hole punch and hub relay strategies: direct to a public node; a hole punch
   * between any two cone NATs; the hub's relay where a symmetric NAT is involved (a punch that gets
   * through a symmetric NAT to a full or restricted cone does better than expected).
   */
  static String expectedToday(NatType from, NatType to) {
    if (from == NatType.UDP_BLOCKED || to == NatType.UDP_BLOCKED) {
      return null; // a TCP fallback does not exist yet
    }
    if (to == NatType.NONE) {
      return "direct";
    }
    return from == NatType.SYMMETRIC || to == NatType.SYMMETRIC ? "hubrelay" : "holepunch";
  }

  /** The roadmap's decision matrix. */
  static String roadmap(NatType from, NatType to, boolean sameNat) {
    if (sameNat) {
      return "LAN path";
    }
    if (from == NatType.UDP_BLOCKED || to == NatType.UDP_BLOCKED) {
      return "TCP fallback";
    }
    if (to == NatType.NONE) {
      return "direct";
    }
    if (from == NatType.SYMMETRIC || to == NatType.SYMMETRIC) {
      return "relay";
    }
    return from == NatType.NONE ? "direct (reverse)" : "hole punch";
  }
}
