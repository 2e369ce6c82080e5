package io.macula.nat.metrics.internal;

/**
 * The names of the node's meters, as Micrometer names them; Prometheus shows each with
 * underscores, a counter with {@code _total} and a timer with {@code _seconds} after it.
 */
final class MeterNames {
  /** Attempts by strategy and outcome (tags {@code strategy}, {@code outcome}). */
  static final String CONNECT_ATTEMPTS = "macula.connect.attempts";
  /** How long a successful attempt took, by strategy. */
  static final String CONNECT_TIME = "macula.connect.time";
  /** The round trip over each peer connection's path, sampled, by path kind. */
  static final String PATH_RTT = "macula.path.rtt";
  /** Peer connections now, by the kind of their path. */
  static final String CONNECTIONS = "macula.connections";
  /** Moves of peer connections between kinds of path (tags {@code from}, {@code to}, {@code cause}). */
  static final String PATH_MOVES = "macula.path.moves";
  /** What a relay of this node forwarded, by relay kind and sending node. */
  static final String RELAYED_BYTES = "macula.relayed.bytes";
  static final String RELAYED_PACKETS = "macula.relayed.packets";
  /** What the bytes a relay of this node forwarded cost, at the configured price per GB. */
  static final String RELAY_COST = "macula.relay.cost";
  /** Packets dropped, by where ({@code source}) and why ({@code reason}). */
  static final String DROPS = "macula.drops";
  /** This node's own NAT behaviour, 1 for the one discovered last. */
  static final String NAT_TYPE = "macula.nat.type";
  /** On a hub: the nodes registered now, by the NAT behaviour they reported. */
  static final String HUB_NODES = "macula.hub.nodes";
  /** STUN transactions of this node's client, by what became of them. */
  static final String STUN_CLIENT = "macula.stun.client";
  /** STUN Binding requests this node's server answered. */
  static final String STUN_SERVER_ANSWERED = "macula.stun.server.answered";
  /** On a TURN server: its events (allocations made, refusals...) by name. */
  static final String TURN_SERVER_EVENTS = "macula.turn.server.events";
  /** On a TURN server: its allocations now. */
  static final String TURN_ALLOCATIONS = "macula.turn.allocations";

  /** The prefix of every name above. */
  static final String PREFIX = "macula.";

  private MeterNames() {}
}
