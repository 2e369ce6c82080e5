package io.macula.nat.transport.api;

import io.macula.nat.api.NodeId;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: takes every connection of one application protocol, those peers open (once {@link
 * #admits admitted}) and those this node opens. Register it with the service property {@value
 * #PROTOCOL} naming the ALPN it serves. An inbound connection with no acceptor is refused.
 */
@ConsumerType
public interface ConnectionAcceptor {
  String PROTOCOL = "macula.protocol";

  /** Whether a peer may connect at all; called once its identity is proven, for inbound ones. */
  default boolean admits(NodeId peer) {
    return true;
  }

  void accepted(QuicConnection connection);
}
