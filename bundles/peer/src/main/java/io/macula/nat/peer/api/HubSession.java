package io.macula.nat.peer.api;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** This node's session with its hub. */
@ProviderType
public interface HubSession {
  NodeId hubId();

  /** The hub's address: where the hub session and the hub relay go. */
  InetSocketAddress hubAddress();

  /** Whether the node is registered with the hub now. */
  boolean isConnected();

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
   * Sends an opaque message to another node through the hub, which attaches this node's id.
   *
   * @throws IllegalStateException when the session is down
   */
  void signal(NodeId to, byte[] payload);
}
