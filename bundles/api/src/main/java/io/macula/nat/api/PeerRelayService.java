package io.macula.nat.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: this node relays packets between other nodes, within these limits. Registered while
 * the operator has the node offer to relay; the hub session lists the node in its hub's relay
 * directory while one is there, and withdraws the offer when it goes.
 */
@ConsumerType
public interface PeerRelayService {
  /** The most pairs of nodes relayed at once. */
  int maxPairs();

  /** The bytes a second relayed in all, at most. */
  long bytesPerSecond();

  /** The packets a second relayed in all, at most. */
  long packetsPerSecond();
}
