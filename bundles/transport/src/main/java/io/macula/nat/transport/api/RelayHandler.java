package io.macula.nat.transport.api;

import io.macula.nat.api.NodeId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: the relay (the hub) that takes packets other nodes send through this endpoint for a
 * third node. At most one is used.
 */
@ConsumerType
public interface RelayHandler {
  /** Sends a relayed packet on from the endpoint's socket. */
  @FunctionalInterface
  interface Forwarder {
    /** Sends {@code packet}, from node {@code source}, to the node at {@code address}. */
    void forward(InetSocketAddress address, NodeId source, ByteBuffer packet);
  }

  /**
   * A packet from {@code sender} for node {@code destination}. The packet is only valid during the
   * call; {@code out} forwards it.
   */
  void relay(InetSocketAddress sender, NodeId destination, ByteBuffer packet, Forwarder out);
}
