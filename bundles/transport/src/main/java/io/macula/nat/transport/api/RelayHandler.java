package io.macula.nat.transport.api;

import io.macula.nat.api.NodeId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: a relay (the hub, or a node that relays for others) that takes packets other nodes
 * send through this endpoint for a third node. Every relay frame carries a MAC under the key the
 * relay gave its node (at registration, or when it paired it): the endpoint asks each handler for
 * the sender's key, checks the MAC under the first it gets before {@link #relay}, and adds the
 * destination's when forwarding.
 */
@ConsumerType
public interface RelayHandler {
  /** Sends a relayed packet on from the endpoint's socket. */
  @FunctionalInterface
  interface Forwarder {
    /**
     * Sends {@code packet}, from node {@code source}, to the node at {@code address}, with a MAC
     * under {@code key}, the destination's relay key.
     */
    void forward(InetSocketAddress address, byte[] key, NodeId source, ByteBuffer packet);
  }

  /** The relay key of the node registered at {@code sender}, or null for an address no node has. */
  byte[] relayKey(InetSocketAddress sender);

  /**
   * A packet from {@code sender}, whose frame's MAC was checked with {@link #relayKey}, for node
   * {@code destination}. The packet is only valid during the call; {@code out} forwards it.
   */
  void relay(InetSocketAddress sender, NodeId destination, ByteBuffer packet, Forwarder out);
}
