package io.macula.nat.transport.api;

import io.macula.nat.api.NodeId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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

  /**
   * Whether a peer may connect, answered when known: for an inbound connection, once the peer's
   * identity is proven. Called on an I/O thread, so it must not block; an acceptor that has to ask
   * (its hub) answers later. Until it answers, the peer's streams wait (a few; more are closed),
   * and the endpoint refuses the connection if no answer comes within a few seconds. By default,
   * {@link #admits} at once.
   */
  default CompletionStage<Boolean> admission(NodeId peer) {
    return CompletableFuture.completedFuture(admits(peer));
  }

  void accepted(QuicConnection connection);
}
