package io.macula.nat.ice.api;

import io.macula.nat.api.NodeId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's ICE agent. A session starts when this node connects to a peer (it controls) or when a
 * peer's offer arrives through the hub (it is controlled); both run checks at once, which is what
 * opens the NATs on both sides.
 */
@ProviderType
public interface IceAgent {
  /**
   * Runs a session with a peer as the controlling agent: gathers this node's candidates, trickles
   * them to the peer through the hub, checks the pairs and nominates one. Cancelling the future
   * ends the session. Fails with an {@link IceFailedException} that says why.
   */
  CompletableFuture<IceResult> connect(NodeId peer);

  /**
   * The same, but with {@code relays} false neither side gathers a relayed candidate: a session
   * beside a connection that already runs over a relay (an upgrade) wants a path without one, and
   * need not wait for relays nor hold a TURN allocation for it.
   */
  CompletableFuture<IceResult> connect(NodeId peer, boolean relays);

  /**
   * Tells {@code listener} of every pair a session selects from now on, this node's sessions and
   * its peers' alike (as controlling or controlled agent), on the agent's thread. Closing the
   * handle stops it.
   */
  AutoCloseable onSelected(java.util.function.Consumer<IceResult> listener);

  /** This node's candidates, gathered now. */
  List<Candidate> localCandidates();

  /** The sessions this agent ran since start, newest first, for operators. */
  List<IceSessionRecord> sessions();

  /**
   * What the agent counted since start: checks answered, checks refused (bad MESSAGE-INTEGRITY,
   * role conflicts, unknown attributes), signals dropped as malformed, offers refused.
   */
  Map<String, Long> counters();
}
