package io.macula.nat.transport.api;

import io.macula.nat.api.NodeId;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: takes the inbound connections of one application protocol. Register it with the
 * service property {@value #PROTOCOL} naming the ALPN it serves.
 */
@ConsumerType
public interface ConnectionAcceptor {
  String PROTOCOL = "macula.protocol";

  /** Whether a peer may connect at all; called once its identity is proven. */
  default boolean admits(NodeId peer) {
    return true;
  }

  void accepted(QuicConnection connection);
}
