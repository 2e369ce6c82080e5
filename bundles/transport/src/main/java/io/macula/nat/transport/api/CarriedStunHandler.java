package io.macula.nat.transport.api;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Takes the STUN messages a carrier brought (first byte 0 to 3): a peer's connectivity check sent
 * to this node's relayed address, or the answer to one this node sent through it. Registered with
 * {@link Endpoint#handleCarriedStun}.
 */
@ConsumerType
public interface CarriedStunHandler {
  /**
   * A message from {@code path.peer()} through {@code path.carrier()}, valid only during the call;
   * an answer goes back through the same carrier. On an I/O thread: it must not block.
   */
  void received(TransportPath.Carried path, ByteBuffer message);
}
