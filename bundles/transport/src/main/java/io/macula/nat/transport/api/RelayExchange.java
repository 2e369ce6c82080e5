package io.macula.nat.transport.api;

import io.macula.nat.api.NodeId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: a relay that takes the packets other relays pass it for the nodes it holds (a hub
 * of a mesh, for the nodes homed at it, from the hubs of their peers). A frame between relays
 * names both nodes and carries a MAC under a key the sending relay gave the other on a channel of
 * their own: the endpoint asks the exchange (a node runs at most one hub) for the sender's key and
 * checks the MAC under it before {@link #passed}. A relay passes a packet on with {@link
 * Endpoint#passToRelay}.
 */
@ConsumerType
public interface RelayExchange {
  /** The key of the frames the relay at {@code sender} passes this one, or null for an address of no such relay. */
  byte[] passKey(InetSocketAddress sender);

  /**
   * A packet the relay at {@code sender} passed on from its node {@code source} for node {@code
   * destination}, its frame's MAC checked with {@link #passKey}. The packet is only valid during
   * the call; {@code out} forwards it to the destination.
   */
  void passed(InetSocketAddress sender, NodeId source, NodeId destination, ByteBuffer packet,
      RelayHandler.Forwarder out);
}
