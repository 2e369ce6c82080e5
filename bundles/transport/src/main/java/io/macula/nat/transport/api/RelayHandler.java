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
  /**
   * A packet from {@code sender} for node {@code destination}. The packet is only valid during the
   * call; forward it with {@link Endpoint#relayTo}.
   */
  void relay(InetSocketAddress sender, NodeId destination, ByteBuffer packet);
}
