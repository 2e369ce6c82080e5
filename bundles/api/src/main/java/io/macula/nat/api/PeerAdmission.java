package io.macula.nat.api;

import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: vouches for the nodes that may open connections to this node. The hub session
 * vouches for the nodes its hub has registered, a hub for the nodes registered with it; a peer is
 * admitted when any of them vouches for it, and refused when none is there.
 */
@ConsumerType
public interface PeerAdmission {
  /**
   * Whether this vouches for {@code peer}, answered when known. Called on an I/O thread: it must
   * not block, and should answer within a few seconds.
   */
  CompletionStage<Boolean> vouchesFor(NodeId peer);
}
