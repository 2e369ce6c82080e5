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

  /**
   * A hub of the mesh, as the directory holds it: where nodes and hubs reach it, how many nodes it
   * holds now, and since when it serves.
   */
  record MeshHub(NodeId id, String address, int nodes, Instant since, boolean self) {}

  /**
   * A node of the mesh and its home: the hub it registered with. {@code epoch} counts its homes:
   * a record with a greater epoch is newer, whichever hub wrote it.
   */
  record HomedNode(NodeDescriptor node, NodeId home, long epoch) {}

  List<RegisteredNode> nodes();

  /**
   * The hubs of the mesh, this one among them, from the hub's mirror of the directory; empty
   * until it has reached the directory.
   */
  List<MeshHub> hubs();

  /** This hub's id: its node's. */
  NodeId id();

  /**
   * Every node of the mesh with its home hub: those registered here (homed here, unless the
   * directory says another hub took them since), then those the directory says other hubs hold.
   */
  List<HomedNode> meshNodes();

  /**
   * Adds a node to the mesh's allowlist, which the directory keeps: every hub of the mesh admits
   * it from now on, whatever its own configuration allows.
   *
   * @return false if it was listed already
   * @throws IllegalStateException if the directory cannot be reached
   */
  boolean allow(NodeId node);

  /**
   * Takes a node off the mesh's allowlist; sessions up stay up, the node's next registration is refused
   * unless a hub's own configuration allows it.
   *
   * @return false if it was not listed
   * @throws IllegalStateException if the directory cannot be reached
   */
  boolean disallow(NodeId node);

  /** The mesh's allowlist, from the hub's mirror of the directory. */
  List<NodeId> meshAllowlist();

  /** Where the directory is ({@code embedded} or a connect string), and whether the hub reaches it now. */
  String directoryState();

  /**
   * The hub's counters of its part in the mesh, by name: signals forwarded to other hubs and
   * delivered from them, those refused, the directory's writes, those waiting, its reads past the
   * mirror and those refused. None go down while the hub runs.
   */
  Map<String, Long> meshCounters();

  /** The relay directory: the registered nodes that offer to relay now, reachable or not. */
  List<RelayEntry> relays();

  List<RelayFlow> relayFlows();

  /** How many of the nodes registered now reported each NAT behaviour (as hub:nodes shows them). */
  Map<NatBehavior, Long> natTypesSeen();

  /** Relay packets dropped, by reason: unregistered sender, unknown destination, over a limit. */
  Map<String, Long> relayDrops();
}
