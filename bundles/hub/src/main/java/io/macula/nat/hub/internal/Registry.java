package io.macula.nat.hub.internal;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.hub.api.Hub;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The nodes registered with the hub, by id and by the address the hub observes them from. */
final class Registry {
  /** A registered node and the session that registered it. */
  record Registration(NodeDescriptor node, NodeSession session, byte[] relayKey, Instant since, Instant lastSeen) {
    Registration seen(Instant at) {
      return new Registration(node, session, relayKey, since, at);
    }
  }

  private final Map<NodeId, Registration> byId = new ConcurrentHashMap<>();
  private final Map<InetSocketAddress, NodeId> byObserved = new ConcurrentHashMap<>();

  /** Registers a node; a session it had before is returned, to be closed. */
  synchronized Optional<NodeSession> register(NodeDescriptor node, NodeSession session, byte[] relayKey, Instant now) {
    Registration old = byId.put(node.id(), new Registration(node, session, relayKey, now, now));
    if (old != null) {
      // By key and value: the address may be another node's by now.
      old.node().observedAddress().ifPresent(a -> byObserved.remove(a, node.id()));
    }
    node.observedAddress().ifPresent(a -> byObserved.put(a, node.id()));
    return Optional.ofNullable(old).map(Registration::session).filter(s -> s != session);
  }

  /**
   * Removes the node if {@code session} is still the one that registered it.
   *
   * @return whether it did: the node has left the hub
   */
  synchronized boolean unregister(NodeId id, NodeSession session) {
    Registration r = byId.get(id);
    if (r != null && r.session() == session) {
      byId.remove(id);
      r.node().observedAddress().ifPresent(a -> byObserved.remove(a, id));
      return true;
    }
    return false;
  }

  /**
   * A node's NAT behaviour, as it discovered it: kept with the node.
   *
   * @return whether it changed what the hub knew
   */
  synchronized boolean natDiscovered(NodeId id, NatBehavior nat) {
    Registration r = byId.get(id);
    if (r == null || r.node().nat() == nat) {
      return false;
    }
    NodeDescriptor d = r.node();
    byId.put(id, new Registration(
        new NodeDescriptor(d.id(), d.reportedAddresses(), d.observedAddress(), nat, d.offersRelay()),
        r.session(), r.relayKey(), r.since(), r.lastSeen()));
    return true;
  }

  /**
   * Whether a node offers to relay, as its latest offer says: kept with the node, as hub:nodes shows it.
   *
   * @return whether it changed what the hub knew
   */
  synchronized boolean offersRelay(NodeId id, boolean offers) {
    Registration r = byId.get(id);
    if (r == null || r.node().offersRelay() == offers) {
      return false;
    }
    NodeDescriptor d = r.node();
    byId.put(id, new Registration(
        new NodeDescriptor(d.id(), d.reportedAddresses(), d.observedAddress(), d.nat(), offers),
        r.session(), r.relayKey(), r.since(), r.lastSeen()));
    return true;
  }

  /** How many of the nodes registered now reported each NAT behaviour: what hub:nodes shows, counted. */
  Map<NatBehavior, Long> natTypesSeen() {
    Map<NatBehavior, Long> out = new java.util.EnumMap<>(NatBehavior.class);
    byId.values().stream().map(r -> r.node().nat()).filter(n -> n != NatBehavior.UNKNOWN)
        .forEach(n -> out.merge(n, 1L, Long::sum));
    return out;
  }

  /** The sessions of the nodes registered now. */
  List<NodeSession> sessions() {
    return byId.values().stream().map(Registration::session).toList();
  }

  int size() {
    return byId.size();
  }

  void seen(NodeId id, Instant now) {
    byId.computeIfPresent(id, (k, r) -> r.seen(now));
  }

  Optional<Registration> get(NodeId id) {
    return Optional.ofNullable(byId.get(id));
  }

  Optional<Registration> byObserved(InetSocketAddress address) {
    NodeId id = byObserved.get(address);
    return id == null ? Optional.empty() : get(id);
  }

  List<Hub.RegisteredNode> nodes() {
    return byId.values().stream()
        .map(r -> new Hub.RegisteredNode(r.node(), r.since(), r.lastSeen()))
        .sorted(Comparator.comparing(n -> n.node().id()))
        .toList();
  }
}
