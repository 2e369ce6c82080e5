package io.macula.nat.strategy.holepunch;

import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeDirectory;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PeerChannel;
import io.macula.nat.ice.api.IceAgent;
import io.macula.nat.ice.api.IceResult;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The controlled side of an upgrade: when an ICE session selects a pair with a peer, the session
 * the peer started to upgrade a relayed connection as much as one of this node's, the relayed
 * connections with that peer move to it, as ICE's controlled agent takes the pair its controlling
 * agent nominated. Which connections get upgrades, and when, is the negotiator's path policy's
 * choice, on the side that made the connection. An operator's pinned path stays.
 */
@Component(immediate = true)
public final class NominatedPaths {
  private final Endpoint endpoint;
  private final Logger log;
  private final AutoCloseable selections;
  /** Off the ICE agent's thread: a move asks the hub about the peer, which may take a while. */
  private final java.util.concurrent.ExecutorService thread;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile NodeDirectory directory;

  @Activate
  public NominatedPaths(@Reference Endpoint endpoint, @Reference IceAgent ice,
      @Reference(service = LoggerFactory.class) Logger log) {
    this.endpoint = endpoint;
    this.log = log;
    this.thread = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "nat-nominated-paths");
      t.setDaemon(true);
      return t;
    });
    this.selections = ice.onSelected(r -> {
      try {
        thread.execute(() -> selected(r));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // deactivated
      }
    });
  }

  @Deactivate
  void deactivate() throws Exception {
    selections.close();
    thread.shutdownNow();
  }

  /** A session selected a pair with a peer: its relayed connections move to it. */
  private void selected(IceResult r) {
    if (r.relayed()) {
      return; // through a TURN server: no better than the relay the connection is on
    }
    List<QuicConnection> moving = endpoint.connections().stream()
        .filter(c -> c.peer().equals(r.peer()) && upgradable(c)).toList();
    if (moving.isEmpty()) {
      return; // a connect's session, or a peer with no relayed connection: nothing to move
    }
    NodeDirectory d = directory;
    Optional<NodeDescriptor> remote = d == null ? Optional.empty() : d.find(r.peer());
    NodePair pair = remote.isPresent() ? new NodePair(d.self(), remote.get()) : null;
    moveAll(moving, r, pair, "upgrade").ifPresent(to -> log.info("connections with {} upgraded to the {} path to {},"
        + " which its ICE session selected", r.peer().shortForm(), to.kind().label(), to.nextHop()));
  }

  /**
   * Moves the connections (with one peer: they share its route, so the first moves them all) to
   * the pair ICE selected, if they are still on a relay; what they moved to, if they did.
   */
  static Optional<TransportPath> moveAll(List<? extends PeerChannel> connections, IceResult r, NodePair pair,
      String reason) {
    TransportPath to = HolePunchStrategy.path(r, pair);
    Optional<TransportPath> moved = Optional.empty();
    for (PeerChannel channel : connections) {
      if (!(channel instanceof QuicConnection c) || !upgradable(c)) {
        continue; // moved with another connection to the peer, or pinned since
      }
      c.switchPath(to, reason + ": ICE selected " + r.local().address() + " -> " + r.remote().address());
      moved = Optional.of(to);
    }
    return moved;
  }

  /** A peer connection on a relay whose path no operator chose. */
  static boolean upgradable(QuicConnection c) {
    return c.protocol().equals(Endpoint.PEER_PROTOCOL) && c.isOpen() && c.path().kind().relayed()
        && !c.isPathPinned();
  }
}
