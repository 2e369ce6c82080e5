package io.macula.nat.hub.internal;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.hub.api.Hub;
import io.macula.nat.hub.protocol.HubMessage;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The nodes that offer to relay for others, with their limits: an offer lasts while its node is
 * registered and has not withdrawn it. A node is listed as reachable only when others can send to
 * it unasked (no NAT, or a full cone); the others' offers are kept, with the reason, for when its
 * NAT changes.
 */
final class RelayDirectory {
  /** An offer, and the session that made it: only while that session is the node's does it count. */
  private record Offer(HubMessage.RelayOffer offer, NodeSession session, Instant since) {}

  private final Map<NodeId, Offer> offers = new ConcurrentHashMap<>();

  /**
   * A node's offer, or its withdrawal (no pairs), made in {@code session}.
   *
   * @return whether it changed what the directory holds
   */
  boolean offered(NodeId node, NodeSession session, HubMessage.RelayOffer offer, Instant now) {
    if (offer.maxPairs() == 0) {
      return offers.remove(node) != null;
    }
    Offer was = offers.get(node);
    if (was != null && was.session() == session && was.offer().equals(offer)) {
      return false;
    }
    offers.put(node, new Offer(offer, session, was != null && was.session() == session ? was.since() : now));
    return true;
  }

  /** The session ended, or a new one of the node's registered: the offer it made goes with it. */
  void ended(NodeId node, NodeSession session) {
    offers.computeIfPresent(node, (k, o) -> o.session() == session ? null : o);
  }

  /** The offers of the nodes registered now, made in their current sessions, by node id. */
  List<Hub.RelayEntry> entries(Registry registry) {
    return offers.entrySet().stream()
        .flatMap(e -> registry.get(e.getKey()).filter(r -> r.session() == e.getValue().session()).stream()
            .map(r -> entry(r.node(), e.getValue())))
        .sorted(Comparator.comparing(e -> e.node().id()))
        .toList();
  }

  private static Hub.RelayEntry entry(NodeDescriptor node, Offer o) {
    return new Hub.RelayEntry(node, o.offer().maxPairs(), o.offer().bytesPerSecond(), o.offer().packetsPerSecond(),
        o.since(), unreachable(node));
  }

  /** Why other nodes could not send to the node unasked, if they could not. */
  static Optional<String> unreachable(NodeDescriptor node) {
    if (node.observedAddress().isEmpty()) {
      return Optional.of("no address observed");
    }
    NatBehavior nat = node.nat();
    if (nat.letsInUnasked()) {
      return Optional.empty();
    }
    return switch (nat) {
      case UNKNOWN -> Optional.of("its NAT behaviour is not known yet");
      case UDP_BLOCKED -> Optional.of("UDP is blocked where it is");
      default -> Optional.of("behind a " + nat.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
          + " NAT, which lets in only nodes it sent to");
    };
  }
}
