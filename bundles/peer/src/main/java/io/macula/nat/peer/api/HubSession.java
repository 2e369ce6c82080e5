package io.macula.nat.peer.api;

import io.macula.nat.api.HubRelay;
import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.Signalling;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * This node's session with its hub. Strategies and the ICE agent see it only as {@link
 * Signalling} and {@link HubRelay}; this is the whole of it, for commands and the node's wiring.
 */
@ProviderType
public interface HubSession extends Signalling, HubRelay {
  NodeId hubId();

  /**
   * The hubs this node moves to, in order, when its hub fails: those configured after it, then
   * those the mesh's directory names. The hub it has now is {@link #hubId}.
   */
  java.util.List<NodeId> fallbackHubs();

  /**
   * The fallback hub this node stands by at (a connection up and ready to register on when its hub
   * fails), if it does now.
   */
  Optional<NodeId> standbyHub();

  /** The hub's address: where the hub session and the hub relay go. */
  InetSocketAddress hubAddress();

  /** The address the hub observes this node at, once registered. */
  Optional<InetSocketAddress> observedAddress();

  /** The nodes the hub knows, asked of the hub now. */
  List<NodeDescriptor> nodes();

  /**
   * The NAT behaviour this node discovered: sent to the hub now if the session is up, and with
   * every registration after.
   */
  void reportNat(NatBehavior nat);

  /**
   * How the session reaches the hub, and why: {@code udp}; {@code tcp (UDP to ... got no answer
   * within 3 s)}; or, with no session, what the last try met.
   */
  String transport();

  /** The hub's TURN server and the credentials the hub made for this node, once the hub sent them. */
  Optional<io.macula.nat.turn.api.TurnServerOffer> turnServer();
}
