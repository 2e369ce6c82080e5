package io.macula.nat.hub.api;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/** A running hub: who is registered, and what its relay carries. */
@ProviderType
public interface Hub {
  /** A node registered now. */
  record RegisteredNode(NodeDescriptor node, Instant since, Instant lastSeen) {}

  /** Packets relayed from one node to another since the hub started, and those dropped. */
  record RelayFlow(NodeId from, NodeId to, long packets, long bytes, long dropped) {}

  /**
   * A node that offers to relay between other nodes, with the limits it set: {@code unreachable}
   * says why other nodes could not send to it unasked, when they could not (its NAT).
   */
  record RelayEntry(NodeDescriptor node, int maxPairs, long bytesPerSecond, long packetsPerSecond, Instant since,
      java.util.Optional<String> unreachable) {
    public boolean reachable() {
      return unreachable.isEmpty();
    }
  }

  List<RegisteredNode> nodes();

  /** The relay directory: the registered nodes that offer to relay now, reachable or not. */
  List<RelayEntry> relays();

  List<RelayFlow> relayFlows();

  /** How many of the nodes registered now reported each NAT behaviour (as hub:nodes shows them). */
  Map<NatBehavior, Long> natTypesSeen();

  /** Relay packets dropped, by reason: unregistered sender, unknown destination, over a limit. */
  Map<String, Long> relayDrops();
}
