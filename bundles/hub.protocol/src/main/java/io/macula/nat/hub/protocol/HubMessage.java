package io.macula.nat.hub.protocol;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/** One message of the hub protocol. */
public sealed interface HubMessage {
  /** Node to hub, first on the session: who it says it is reachable at, and what it offers. */
  record Register(List<InetSocketAddress> reported, boolean offersRelay, NatBehavior nat)
      implements HubMessage {
    public Register {
      reported = List.copyOf(reported);
      Objects.requireNonNull(nat, "nat");
    }
  }

  /**
   * Hub to node: admitted; this is the address the hub sees the node's packets come from, and the
   * key of the MACs on the relay frames between them (32 bytes, this session's own).
   */
  record Registered(InetSocketAddress observed, byte[] relayKey) implements HubMessage {
    public Registered {
      Objects.requireNonNull(observed, "observed");
      if (relayKey.length != 32) {
        throw new IllegalArgumentException("a relay key has 32 bytes, not " + relayKey.length);
      }
      relayKey = relayKey.clone();
    }

    @Override
    public byte[] relayKey() {
      return relayKey.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Registered r && observed.equals(r.observed) && java.util.Arrays.equals(relayKey, r.relayKey);
    }

    @Override
    public int hashCode() {
      return observed.hashCode() * 31 + java.util.Arrays.hashCode(relayKey);
    }

    @Override
    public String toString() {
      return "Registered[observed=" + observed + ", relayKey=(32 bytes)]";
    }
  }

  /** Hub to node: the last message could not be served, and why. */
  record Refused(String reason) implements HubMessage {}

  /** Node to hub: asks for the nodes the hub knows. */
  record ListNodes() implements HubMessage {}

  /**
   * Hub to node: one page of the nodes the hub knows, each with its last-seen time (epoch
   * milliseconds); {@code more} when another page follows. A page holds at most {@link
   * HubCodec#NODES_PER_PAGE} nodes, so that it fits a frame whatever the hub holds.
   */
  record Nodes(List<Entry> nodes, boolean more) implements HubMessage {
    public Nodes {
      nodes = List.copyOf(nodes);
      if (nodes.size() > HubCodec.NODES_PER_PAGE) {
        throw new IllegalArgumentException("a page holds at most " + HubCodec.NODES_PER_PAGE + " nodes");
      }
    }
  }

  /** One node of a {@link Nodes} answer. */
  record Entry(NodeDescriptor node, long lastSeenMillis) {}

  /**
   * Node to hub: asks what the hub knows of one node, the one it is about to connect to: an
   * answer of one entry, where the whole list grows with the mesh.
   */
  record Lookup(NodeId node) implements HubMessage {
    public Lookup {
      Objects.requireNonNull(node, "node");
    }
  }

  /** Hub to node: the answer to a {@link Lookup}; empty when the node is not registered. */
  record Found(NodeId node, java.util.Optional<Entry> entry) implements HubMessage {
    public Found {
      Objects.requireNonNull(node, "node");
      if (entry.isPresent() && !entry.get().node().id().equals(node)) {
        throw new IllegalArgumentException("the entry found for " + node + " is " + entry.get().node().id() + "'s");
      }
    }
  }

  /**
   * A message of a type this side does not know, sent by a newer peer: read past, not taken for
   * a malformed frame, so that either side may learn new messages first.
   */
  record Unknown(int type) implements HubMessage {}

  /**
   * An opaque message between two nodes. Sent to the hub, {@code peer} is the recipient; from the
   * hub, the sender, which the hub sets itself, so that no node can speak for another.
   */
  record Signal(NodeId peer, byte[] payload) implements HubMessage {}

  /**
   * Hub to hub, on a hub link: a signal from {@code from}, a node homed at the sending hub, to
   * {@code to}, a node homed at the receiving hub, which delivers it as a {@link Signal} from
   * {@code from}.
   */
  record Forward(NodeId from, NodeId to, byte[] payload) implements HubMessage {}

  /**
   * Hub to hub, on a hub link: a {@link Forward} the receiving hub could not deliver, sent back
   * whole, so that the hub of {@code from} may try {@code to}'s newer home or tell its node why.
   */
  record Unforwarded(NodeId from, NodeId to, String reason, byte[] payload) implements HubMessage {}

  /**
   * Hub to hub, first on a hub link: the key of the MAC on the relay frames the sending hub passes
   * the receiving one (packets from its nodes to nodes homed there), from the address its link
   * comes from.
   */
  record LinkKey(byte[] key) implements HubMessage {
    public static final int LENGTH = 32;

    public LinkKey {
      if (key.length != LENGTH) {
        throw new IllegalArgumentException("a link key has " + LENGTH + " bytes, not " + key.length);
      }
      key = key.clone();
    }

    @Override
    public byte[] key() {
      return key.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof LinkKey k && java.util.Arrays.equals(key, k.key);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(key);
    }

    @Override
    public String toString() {
      return "LinkKey[(" + LENGTH + " bytes)]";
    }
  }

  /**
   * Hub to node: the hubs of the mesh the node may home at when its own fails, each by id and by
   * address ({@code host:port}); sent after registration and whenever the mesh's hubs change.
   */
  record Hubs(List<HubRef> hubs) implements HubMessage {
    /** The most hubs one message lists. */
    public static final int MAX = 64;

    public Hubs {
      hubs = List.copyOf(hubs);
      if (hubs.size() > MAX) {
        throw new IllegalArgumentException(hubs.size() + " hubs; at most " + MAX);
      }
    }
  }

  /** A hub of the mesh: its id, and where nodes reach it ({@code host:port}). */
  record HubRef(NodeId id, String address) {}

  /** Node to hub: the NAT behaviour the node discovered (RFC 5780), whenever it learns it anew. */
  record NatReport(NatBehavior nat) implements HubMessage {
    public NatReport {
      Objects.requireNonNull(nat, "nat");
    }
  }

  /**
   * Hub to node: the hub's TURN server and time-limited credentials for it (RFC 8489 long-term
   * credentials in the TURN REST form), sent after {@link Registered} and again before they expire.
   *
   * @param uri the server as RFC 7065 writes it, {@code turn:host:port}
   * @param expiresEpochSeconds when the credentials stop working
   */
  record TurnCredentials(String uri, String username, String password, long expiresEpochSeconds)
      implements HubMessage {
    public TurnCredentials {
      Objects.requireNonNull(uri, "uri");
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
      return "TurnCredentials[" + uri + ", " + username + "]"; // never the password
    }
  }

  /**
   * Node to hub: the node offers to relay packets between other nodes, for at most {@code maxPairs}
   * pairs at once and within its own limits; {@code maxPairs} 0 withdraws the offer. Sent after
   * {@link Registered} by a node that offers, and again whenever its offer changes.
   */
  record RelayOffer(int maxPairs, long bytesPerSecond, long packetsPerSecond) implements HubMessage {
    /** The most pairs an offer may name: a relay's table stays small. */
    public static final int MAX_PAIRS = 4096;

    public RelayOffer {
      if (maxPairs < 0 || maxPairs > MAX_PAIRS) {
        throw new IllegalArgumentException("a relay offers 0 to " + MAX_PAIRS + " pairs, not " + maxPairs);
      }
      if (maxPairs > 0 && (bytesPerSecond < 1 || packetsPerSecond < 1)) {
        throw new IllegalArgumentException("a relay's limits are at least 1 byte and 1 packet a second");
      }
    }

    /** The offer withdrawn. */
    public static RelayOffer withdrawn() {
      return new RelayOffer(0, 0, 0);
    }
  }

  /**
   * Node to hub, first on the session instead of {@link Register}: the node is homed at another hub
   * and keeps this connection ready to register on, should that hub fail; until then the hub
   * answers its pings and tells it of hubs that leave the mesh ({@link HubGone}), and nothing else.
   */
  record Standby() implements HubMessage {}

  /**
   * Hub to node, on a standby session: the mesh's directory no longer lists {@code hub}, or this
   * hub's link to it went silent. A node homed there checks its own session before it moves: a
   * hub may drop out of the directory, or out of another hub's reach, and still serve its nodes.
   */
  record HubGone(NodeId hub) implements HubMessage {
    public HubGone {
      Objects.requireNonNull(hub, "hub");
    }
  }

  /** Either way: proves the session alive; answered by a {@link Pong} with the same nonce. */
  record Ping(long nonce) implements HubMessage {}

  record Pong(long nonce) implements HubMessage {}
}
