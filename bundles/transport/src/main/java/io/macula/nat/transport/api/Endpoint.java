package io.macula.nat.transport.api;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.SharedSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A node's one UDP socket and everything that crosses it: QUIC as client and server, relay
 * frames, and STUN (to a {@link io.macula.nat.api.StunHandler}), sorted by their first byte.
 */
@ProviderType
public interface Endpoint extends SharedSocket {
  /** The application protocol of connections between peers. */
  String PEER_PROTOCOL = "macula-peer/1";

  /** The application protocol of a node's session with its hub. */
  String HUB_PROTOCOL = "macula-hub/1";

  /**
   * The application protocol of a node's link to a peer relay: the node asks it, over this
   * connection, to relay between it and another node.
   */
  String RELAY_PROTOCOL = "macula-relay/1";

  /**
   * The application protocol of a link between two hubs of a mesh: a hub forwards signals for
   * nodes homed at the other over it. Only a hub the mesh's directory lists is admitted.
   */
  String HUB_LINK_PROTOCOL = "macula-hub-link/1";

  /**
   * Whether an address is in fd6d:6163:756c:6100::/64, the unique local range (RFC 4193) of the
   * virtual addresses QUIC sees beneath the path layer: no packet ever leaves on one, so no peer is
   * ever at one.
   */
  static boolean isVirtual(java.net.InetAddress address) {
    byte[] a = address.getAddress();
    byte[] prefix = {(byte) 0xfd, 0x6d, 0x61, 0x63, 0x75, 0x6c, 0x61, 0x00};
    return a.length == 16 && java.util.Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
  }

  NodeId localId();

  /**
   * Connects to a peer over a path. The future fails if the peer does not prove {@code peer}'s
   * key, and a connection to a node already connected with the same protocol is a new one.
   */
  CompletableFuture<QuicConnection> connect(NodeId peer, TransportPath path, String protocol);

  /** The open connections, to and from peers. */
  List<QuicConnection> connections();

  /**
   * Tells {@code listener} of every connection established from now on, to and from peers (an
   * inbound one once admitted), on a callback thread of the endpoint, never an I/O thread. Closing
   * the handle stops it.
   */
  AutoCloseable onConnection(java.util.function.Consumer<QuicConnection> listener);

  /** The open connection of a protocol with a peer, if there is one. */
  Optional<QuicConnection> connection(NodeId peer, String protocol);

  /**
   * Accepts relayed packets arriving from this address (the hub's) whose frames carry a MAC under
   * {@code key}, and adds that MAC to the frames this node sends the relay. The hub gives a node its
   * key at registration; a new key replaces the old.
   */
  default void trustRelay(InetSocketAddress relay, byte[] key) {
    trustRelay(relay, key, io.macula.nat.api.PathKind.HUB_RELAY);
  }

  /**
   * As {@link #trustRelay(InetSocketAddress, byte[])}, for a relay of the kind given: a peer's first
   * packets through it make a route of that kind ({@link io.macula.nat.api.PathKind#PEER_RELAY} for
   * a node that relays, whose paths are probed as direct ones are).
   *
   * @throws IllegalArgumentException for a kind that is not a relay's
   */
  void trustRelay(InetSocketAddress relay, byte[] key, io.macula.nat.api.PathKind kind);

  /** Takes relayed packets from this address no longer: the node left that hub. */
  void distrustRelay(InetSocketAddress relay);

  /**
   * Passes a packet from node {@code source}, which this node relays for, to the relay at {@code
   * relay}, which holds node {@code destination}: in a frame between relays, with a MAC under
   * {@code key}, the key the two relays agreed (see {@link RelayExchange}). Over UDP; a key of the
   * wrong length drops the packet, counted.
   */
  void passToRelay(InetSocketAddress relay, byte[] key, NodeId source, NodeId destination, ByteBuffer packet);

  /**
   * A packet that came through a carrier from {@code peer}: QUIC takes it as coming from the
   * peer's route over that carrier (a new route only for a client's first packet, held as
   * unconfirmed ones are). The bytes are copied; any thread may call.
   */
  void receive(PacketCarrier carrier, InetSocketAddress peer, java.nio.ByteBuffer packet);

  /**
   * Hands the STUN messages carriers bring to {@code handler} (one handler: a new one replaces the
   * last), until the returned registration is closed; with none they are dropped and counted.
   */
  AutoCloseable handleCarriedStun(CarriedStunHandler handler);

  /**
   * Opens a stream (TCP) to an endpoint that takes QUIC over TCP (a hub): QUIC packets cross it
   * each behind its length, where UDP is blocked. Connect over it with a {@link
   * TransportPath.Carried} path to {@code address}; the stream closes when idle.
   */
  CompletableFuture<PacketCarrier> connectStream(InetSocketAddress address);

  /**
   * The size of each of the endpoint's tables now (routes, unconfirmed routes, connections...):
   * what an operator watches to see that no traffic makes state grow past its bounds.
   */
  Map<String, Integer> tables();

  /** Datagrams dropped since start, by reason: malformed, unknown sender, unknown kind... */
  Map<String, Long> drops();

  /** The moves of peer connections between kinds of path since start, by cause. */
  java.util.List<PathMoveCount> pathMoves();
}
