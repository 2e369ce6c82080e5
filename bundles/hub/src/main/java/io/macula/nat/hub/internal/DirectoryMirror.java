package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.hub.api.Hub;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.curator.framework.recipes.cache.ChildData;

/**
 * The directory as this hub mirrors it (Curator's cache): the hubs of the mesh and where each is
 * reached, every node's record, the nodes that offer to relay, and the mesh's allowlist. Written
 * by the cache's events; read from any thread, never from the ensemble.
 */
final class DirectoryMirror {
  private final NodeId self;
  private final MeshDirectory.Owner owner;
  private final Map<NodeId, Hub.MeshHub> hubs = new ConcurrentHashMap<>();
  private final Map<NodeId, InetSocketAddress> hubAddresses = new ConcurrentHashMap<>();
  private final Map<NodeId, Hub.HomedNode> nodes = new ConcurrentHashMap<>();
  /** The nodes whose records offer to relay: few, and asked for at every node list. */
  private final Set<NodeId> relays = ConcurrentHashMap.newKeySet();
  private final Set<NodeId> allowed = ConcurrentHashMap.newKeySet();
  private final LongAdder badRecords = new LongAdder();

  DirectoryMirror(NodeId self, MeshDirectory.Owner owner) {
    this.self = self;
    this.owner = owner;
  }

  /** A record was created or changed in the directory. */
  void mirror(ChildData data) {
    String path = data.getPath();
    try {
      if (path.startsWith(MeshDirectory.HUBS + "/")) {
        NodeId id = NodeId.parse(path.substring(MeshDirectory.HUBS.length() + 1));
        DirectoryRecords.HubRecord h = DirectoryRecords.hub(data.getData());
        InetSocketAddress at = io.macula.nat.api.HostPort.parseRemote(h.address()).resolve();
        if (at.isUnresolved()) {
          hubAddresses.remove(id);
          owner.log("directory: hub {}'s address {} does not resolve here", id, h.address());
        } else {
          hubAddresses.put(id, at);
        }
        boolean joined = hubs.put(id, new Hub.MeshHub(id, h.address(), h.nodes(), h.since(), id.equals(self))) == null;
        if (joined) {
          owner.hubsChanged();
        }
      } else if (path.startsWith(MeshDirectory.NODES + "/")) {
        NodeId id = NodeId.parse(path.substring(MeshDirectory.NODES.length() + 1));
        Hub.HomedNode n = DirectoryRecords.node(id, data.getData());
        nodes.put(id, n);
        if (n.node().offersRelay()) {
          relays.add(id);
        } else {
          relays.remove(id);
        }
      } else if (path.startsWith(MeshDirectory.ALLOWED + "/")) {
        allowed.add(NodeId.parse(path.substring(MeshDirectory.ALLOWED.length() + 1)));
      }
    } catch (IllegalArgumentException e) {
      badRecords.increment();
      owner.log("directory: record {} is ignored: {}", path, e.getMessage());
    }
  }

  /** A record was deleted from the directory. */
  void forget(ChildData data) {
    String path = data.getPath();
    try {
      if (path.startsWith(MeshDirectory.HUBS + "/")) {
        NodeId gone = NodeId.parse(path.substring(MeshDirectory.HUBS.length() + 1));
        hubAddresses.remove(gone);
        if (hubs.remove(gone) != null) {
          owner.hubsChanged();
          owner.hubGone(gone);
        }
      } else if (path.startsWith(MeshDirectory.NODES + "/")) {
        NodeId id = NodeId.parse(path.substring(MeshDirectory.NODES.length() + 1));
        nodes.remove(id);
        relays.remove(id);
      } else if (path.startsWith(MeshDirectory.ALLOWED + "/")) {
        allowed.remove(NodeId.parse(path.substring(MeshDirectory.ALLOWED.length() + 1)));
      }
    } catch (IllegalArgumentException e) {
      // a path no hub wrote: it was never mirrored
    }
  }

  List<Hub.MeshHub> hubs() {
    return hubs.values().stream().sorted(Comparator.comparing(h -> h.id().toString())).toList();
  }

  Optional<Hub.MeshHub> hub(NodeId id) {
    return Optional.ofNullable(hubs.get(id));
  }

  /** Whether the directory lists the hub: its entry is there, so it is alive. */
  boolean lists(NodeId hub) {
    return hubs.containsKey(hub);
  }

  /** Whether this hub's id sorts first among the hubs listed. */
  boolean sortsFirst() {
    return hubs.keySet().stream().min(Comparator.comparing(NodeId::toString)).filter(self::equals).isPresent();
  }

  Optional<InetSocketAddress> hubAddress(NodeId id) {
    return Optional.ofNullable(hubAddresses.get(id));
  }

  /** Every node's record, sorted by id. */
  List<Hub.HomedNode> nodes() {
    return nodes.values().stream().sorted(Comparator.comparing(n -> n.node().id().toString())).toList();
  }

  /** Every node's record, in no order: for a sweep over them all. */
  Collection<Hub.HomedNode> records() {
    return nodes.values();
  }

  Optional<Hub.HomedNode> node(NodeId id) {
    return Optional.ofNullable(nodes.get(id));
  }

  int nodeCount() {
    return nodes.size();
  }

  /** The nodes that offer to relay, by id. */
  List<Hub.HomedNode> relays() {
    return relays.stream().sorted(Comparator.comparing(NodeId::toString))
        .flatMap(id -> Optional.ofNullable(nodes.get(id)).stream()).toList();
  }

  boolean allows(NodeId node) {
    return allowed.contains(node);
  }

  java.util.SortedSet<NodeId> allowed() {
    return new java.util.TreeSet<>(allowed);
  }

  /** The ensemble has the node allowed, or no longer: the cache tells soon, an operator's next command must see it now. */
  void allowedNow(NodeId node, boolean allows) {
    if (allows) {
      allowed.add(node);
    } else {
      allowed.remove(node);
    }
  }

  /** A record that did not parse, here or where the directory read it afresh: ignored, and counted. */
  void badRecord() {
    badRecords.increment();
  }

  long badRecords() {
    return badRecords.sum();
  }
}
