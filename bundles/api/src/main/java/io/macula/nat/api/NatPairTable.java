package io.macula.nat.api;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The one table of what two NATs allow: whether a hole can be punched between them, and the best
 * path the installed strategies (direct, hole punch, hub relay, TURN) reach. Two nodes behind one
 * NAT (the hub sees them at one address) are not in it: whatever the NAT, their LAN path is direct. The hole punch strategy
 * asks it before trying, the NAT lab takes each row's expected winner from it, and the README's
 * table is {@link #markdown()}.
 */
public final class NatPairTable {
  /** The NAT behaviours a node can discover and report, in the order the table lists them. */
  public static final Set<NatBehavior> KNOWN = EnumSet.complementOf(EnumSet.of(NatBehavior.UNKNOWN));

  private NatPairTable() {}

  /**
   * The best path between a node that connects and a node it connects to, or none, and why.
   *
   * @param best empty when no path is certain: UDP blocked on a side, or a NAT not yet discovered
   */
  public record Verdict(Optional<PathKind> best, String reason) {}

  /**
   * Why no hole punch gets through between two NATs, or empty when one can. A symmetric NAT picks
   * a new port per destination, so the other side must accept packets from a port it never sent
   * to, which only no NAT, full and restricted cones do. The order of the two does not matter.
   */
  public static Optional<String> unpunchable(NatBehavior a, NatBehavior b) {
    if (a == NatBehavior.UDP_BLOCKED || b == NatBehavior.UDP_BLOCKED) {
      return Optional.of("UDP is blocked on one side");
    }
    if (a == NatBehavior.SYMMETRIC && b == NatBehavior.SYMMETRIC) {
      return Optional.of("both NATs are symmetric");
    }
    if ((a == NatBehavior.SYMMETRIC && b == NatBehavior.PORT_RESTRICTED_CONE)
        || (b == NatBehavior.SYMMETRIC && a == NatBehavior.PORT_RESTRICTED_CONE)) {
      return Optional.of("a symmetric NAT faces a port-restricted cone");
    }
    return Optional.empty();
  }

  /** The best path from {@code connecting} to {@code accepting}, with the strategies of today and no TURN server. */
  public static Verdict best(NatBehavior connecting, NatBehavior accepting) {
    return best(connecting, accepting, false);
  }

  /**
   * The best path from {@code connecting} to {@code accepting}, with the strategies of today.
   *
   * @param turn whether the nodes have a TURN server to hold a relayed address on (the accepting
   *     node, and the connecting one where its UDP is blocked): where the hub would relay, the
   *     connecting node's QUIC then talks to the accepting node's relayed address (over TCP to the
   *     servers where UDP is blocked)
   */
  public static Verdict best(NatBehavior connecting, NatBehavior accepting, boolean turn) {
    Verdict v = bestWithoutTurn(connecting, accepting);
    if (turn && v.best().equals(Optional.of(PathKind.HUB_RELAY))) {
      return new Verdict(Optional.of(PathKind.TURN), v.reason().replace("the hub relays",
          "the accepting node's TURN server relays (priority over the hub relay)"));
    }
    return v;
  }

  private static Verdict bestWithoutTurn(NatBehavior connecting, NatBehavior accepting) {
    if (connecting == NatBehavior.UDP_BLOCKED || accepting == NatBehavior.UDP_BLOCKED) {
      if (connecting == NatBehavior.UNKNOWN || accepting == NatBehavior.UNKNOWN) {
        return new Verdict(Optional.empty(), "a NAT not yet discovered: every strategy is tried in turn");
      }
      return new Verdict(Optional.of(PathKind.HUB_RELAY),
          "UDP is blocked: the hub session runs over TCP, and the hub relays over it");
    }
    if (accepting == NatBehavior.NONE) {
      return new Verdict(Optional.of(PathKind.DIRECT), "the accepting node is reachable: QUIC straight to it");
    }
    if (accepting == NatBehavior.FULL_CONE) {
      return new Verdict(Optional.of(PathKind.DIRECT),
          "a full cone lets anyone reach the address the hub sees the accepting node at: QUIC straight to it");
    }
    if (connecting == NatBehavior.NONE && accepting != NatBehavior.UNKNOWN) {
      return new Verdict(Optional.of(PathKind.DIRECT),
          "the connecting node is reachable: asked through the hub, the accepting node dials it");
    }
    if (connecting == NatBehavior.UNKNOWN || accepting == NatBehavior.UNKNOWN) {
      return new Verdict(Optional.empty(), "a NAT not yet discovered: every strategy is tried in turn");
    }
    return unpunchable(connecting, accepting)
        .map(why -> new Verdict(Optional.of(PathKind.HUB_RELAY), "no hole can open (" + why + "): the hub relays"))
        .orElseGet(() -> new Verdict(Optional.of(PathKind.HOLE_PUNCHED), "ICE checks from both sides open both NATs"));
  }

  /** The table as Markdown: rows the connecting node's NAT, columns the accepting node's. */
  public static String markdown() {
    StringBuilder out = new StringBuilder("| connects \\ accepts |");
    KNOWN.forEach(b -> out.append(' ').append(label(b)).append(" |"));
    out.append("\n|---|");
    KNOWN.forEach(b -> out.append("---|"));
    out.append('\n');
    for (NatBehavior from : KNOWN) {
      out.append("| ").append(label(from)).append(" |");
      for (NatBehavior to : KNOWN) {
        out.append(' ').append(best(from, to).best().map(PathKind::label).orElse("fails")).append(" |");
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static String label(NatBehavior b) {
    return b.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
