package io.macula.nat.api;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Connects to nodes by trying every installed, enabled and applicable strategy in priority order,
 * staggered: the next starts when the one before fails or its timeout passes, and the first path
 * found wins.
 */
@ProviderType
public interface Negotiator {
  /**
   * Starts a connect. The future yields the connection, or fails with a {@link
   * NegotiationFailedException} listing every attempt. Cancelling the future cancels the attempts.
   */
  CompletableFuture<PeerConnection> connect(NodeId node);

  /** The connection the latest successful connect to the node made, while it is open. */
  Optional<PeerConnection> connection(NodeId node);

  /** The strategies present now, highest effective priority first. */
  List<StrategyStatus> strategies();

  /** The recorded attempts of all connects, newest first. */
  List<AttemptRecord> attempts();

  /** The recorded attempts of connects to one node, newest first. */
  List<AttemptRecord> attempts(NodeId node);
}
