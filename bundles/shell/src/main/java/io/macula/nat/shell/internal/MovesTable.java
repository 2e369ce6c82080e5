package io.macula.nat.shell.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/** The moves of peers' paths, as {@code nat:moves} and {@code nat:attempts} show them. */
final class MovesTable {
  private MovesTable() {}

  /** The moves of the paths to the peers {@code which} takes, oldest first per peer; empty if none moved. */
  static Table of(Endpoint endpoint, Predicate<NodeId> which) {
    Map<NodeId, QuicConnection> byPeer = new LinkedHashMap<>();
    for (QuicConnection c : endpoint.connections()) {
      if (c.protocol().equals(Endpoint.PEER_PROTOCOL) && c.isOpen() && which.test(c.peer())) {
        byPeer.putIfAbsent(c.peer(), c); // connections with one peer share its path, and its moves
      }
    }
    Table t = new Table("PEER", "AT", "FROM", "TO", "VIA", "REASON");
    byPeer.forEach((peer, c) -> c.pathMoves().forEach(m -> t.row(peer.shortForm(), m.at().toString(),
        m.from().label(), m.to().label(), String.valueOf(m.via()), m.reason())));
    return t;
  }
}
