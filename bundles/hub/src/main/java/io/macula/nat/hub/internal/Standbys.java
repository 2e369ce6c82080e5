package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.hub.protocol.HubMessage;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The sessions of nodes homed at other hubs that stand by here, one per node (the newest), and
 * what they are told: that their own hub left the mesh or went silent. Only the nodes homed at
 * that hub are told (those the directory's mirror homes elsewhere would only have to read it):
 * when a hub dies, its nodes register while every other node's session stays quiet.
 */
final class Standbys {
  /** A session that stands by, as the table uses it. */
  interface Session {
    NodeId node();

    void send(HubMessage m) throws IOException;

    void close();
  }

  private final Map<NodeId, Session> byNode = new ConcurrentHashMap<>();

  /** The node stands by on this session: an older one of the same node closes. */
  void add(Session s) {
    Session before = byNode.put(s.node(), s);
    if (before != null && before != s) {
      before.close();
    }
  }

  /** The session stands by no more (it registered, or ended); a newer one of its node stays. */
  void remove(Session s) {
    byNode.remove(s.node(), s);
  }

  int size() {
    return byNode.size();
  }

  /**
   * Tells the nodes homed at {@code hub} that it left or went silent; a node whose home the
   * mirror does not know is told too.
   *
   * @param homeOf a node's home as the directory's mirror has it
   * @return how many were told
   */
  int tellGone(NodeId hub, Function<NodeId, Optional<NodeId>> homeOf) {
    HubMessage gone = new HubMessage.HubGone(hub);
    int told = 0;
    for (Session s : byNode.values()) {
      if (homeOf.apply(s.node()).map(hub::equals).orElse(true)) {
        try {
          s.send(gone);
          told++;
        } catch (IOException e) {
          // that session is ending
        }
      }
    }
    return told;
  }
}
