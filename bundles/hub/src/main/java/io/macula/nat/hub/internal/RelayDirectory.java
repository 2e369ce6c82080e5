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
  private record Offer(HubMessage.RelayOffer offer, Instant since) {}

  private final Map<NodeId, Offer> offers = new ConcurrentHashMap<>();

  /** A registered node's offer, or its withdrawal (no pairs). */
  void offered(NodeId node, HubMessage.RelayOffer offer, Instant now) {
    if (offer.maxPairs() == 0) {
      offers.remove(node);
    } else {
      offers.compute(node, (k, was) -> new Offer(offer, was == null ? now : was.since()));
    }
  }

  /** The node left the hub: its offer goes with it. */
  void left(NodeId node) {
    offers.remove(node);
  }

  /** The offers of the nodes registered now, by node id. */
  List<Hub.RelayEntry> entries(Registry registry) {
    return offers.entrySet().stream()
        .flatMap(e -> registry.get(e.getKey()).stream().map(r -> entry(r.node(), e.getValue())))
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
    return switch (nat) {
      case NONE, FULL_CONE -> Optional.empty();
      case UNKNOWN -> Optional.of("its NAT behaviour is not known yet");
      default -> Optional.of("behind a " + nat.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
          + " NAT, which lets in only nodes it sent to");
    };
  }
}
