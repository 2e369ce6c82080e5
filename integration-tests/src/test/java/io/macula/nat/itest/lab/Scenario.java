package io.macula.nat.itest.lab;

import io.macula.nat.api.NatPairTable;
import io.macula.nat.api.PathKind;
import java.util.Map;

/**
 * One row of the matrix: a node that connects, a node it connects to, the exact outcome expected
 * with the strategies installed today, and the roadmap's matrix entry for the pair.
 */
record Scenario(String name, String from, NatType fromNat, String to, NatType toNat, Expected expected, String roadmap) {

  /** The strategy that wins each kind of path, as nat:connect names it. */
  private static final Map<PathKind, String> WINNER = Map.of(
      PathKind.DIRECT, "direct", PathKind.HOLE_PUNCHED, "holepunch", PathKind.HUB_RELAY, "hubrelay",
      PathKind.TURN, "turn", PathKind.PEER_RELAY, "peerrelay");

  /**
   * What a row must give, exactly: the strategy that wins and the kind of its path. A better
   * outcome than this is as wrong as a worse one. (Every pair of known NATs connects now, where UDP
   * is blocked too: no row is expected to fail.)
   */
  record Expected(String strategy, PathKind path) {
    static Expected win(String strategy, PathKind path) {
      return new Expected(strategy, path);
    }

    String label() {
      return strategy + " (" + path.label() + ")";
    }
  }

  /** What a run of the scenario gave. */
  record Outcome(Scenario scenario, String winner, String path, long connectMs, double rttMs, double mbPerSecond,
      String verdict, String detail, long upgradeMs, long fallbackMs) {
    /** A row whose connection does not move. */
    Outcome(Scenario scenario, String winner, String path, long connectMs, double rttMs, double mbPerSecond,
        String verdict, String detail) {
      this(scenario, winner, path, connectMs, rttMs, mbPerSecond, verdict, detail, -1, -1);
    }
  }

  /**
   * The row's expectation from the one table, NatPairTable.
   *
   * @param turn whether the nodes have TURN servers and the connecting one uses the TURN strategy
   */
  static Expected fromTable(NatType from, NatType to, boolean turn) {
    NatPairTable.Verdict v = NatPairTable.best(from.behavior, to.behavior, turn);
    if (v.best().isPresent()) {
      return Expected.win(WINNER.get(v.best().get()), v.best().get());
    }
    throw new IllegalArgumentException("the table has no outcome for " + from + " to " + to + ": " + v.reason());
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
