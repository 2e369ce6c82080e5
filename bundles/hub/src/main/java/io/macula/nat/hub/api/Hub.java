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

  List<RegisteredNode> nodes();

  List<RelayFlow> relayFlows();

  /** How many of the nodes registered now reported each NAT behaviour (as hub:nodes shows them). */
  Map<NatBehavior, Long> natTypesSeen();

  /** Relay packets dropped, by reason: unregistered sender, unknown destination, over a limit. */
  Map<String, Long> relayDrops();
}
