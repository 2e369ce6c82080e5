package io.macula.nat.strategy.holepunch;

import io.macula.nat.api.NatPairTable;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeDirectory;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerConnection;
import io.macula.nat.api.Negotiator;
import io.macula.nat.ice.api.IceAgent;
import io.macula.nat.ice.api.IceResult;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Moves live connections off a relay: while a connection this node negotiated runs over a relay
 * (the hub's, a TURN server), ICE checks with the peer are tried in the background, paced, one at
 * a time per peer, and not at all while the hole punch strategy is disabled or the two NATs leave
 * no hole to open. When a session selects a pair, this node's or one a peer started, the peer's
 * relayed connections move to it: no reconnect, and QUIC sees nothing but a faster path. An
 * operator's pinned path (nat:path) stays.
 */
@Component(immediate = true, configurationPid = PathUpgrader.PID)
@Designate(ocd = PathUpgrader.Config.class)
public final class PathUpgrader {
  static final String PID = "io.macula.nat.upgrade";
  private static final Duration TICK = Duration.ofMillis(250);
  /** An ICE session that has not selected a pair by then has failed (the agent gives up sooner). */
  private static final Duration ATTEMPT_LIMIT = Duration.ofSeconds(15);

  @ObjectClassDefinition(name = "Macula NAT path upgrades",
      description = "ICE checks in the background while a connection runs over a relay; a pair they select takes it over.")
  public @interface Config {
    @AttributeDefinition(min = "100", description = "Milliseconds from a relayed connect to the first upgrade attempt,"
        + " and the first delay after a failed one; it doubles with each failure.")
    long retry__ms() default 500;

    @AttributeDefinition(min = "1000", description = "The longest delay between two attempts with one peer, in ms"
        + " (never shorter than the first).")
    long max__retry__ms() default 60_000;
  }

  private final Endpoint endpoint;
  private final IceAgent ice;
  private final Negotiator negotiator;
  private final Logger log;
  private final Duration retry;
  private final Duration maxRetry;
  private final ScheduledExecutorService thread;
  private final AutoCloseable selections;
  /** The least time between two questions to the hub about the peers. */
  private static final Duration LOOKUP_INTERVAL = Duration.ofSeconds(1);
  /** What the hub last said of each peer with a relayed connection, and when it was asked (the thread's only). */
  private final Map<NodeId, NodeDescriptor> known = new HashMap<>();
  private final Map<NodeId, Long> lookedUp = new HashMap<>();
  private long lastLookupNanos = System.nanoTime() - LOOKUP_INTERVAL.toNanos();
  /** Each peer with a relayed connection of this node's, and its attempts (the thread's only). */
  private final Map<NodeId, UpgradeBackoff> peers = new HashMap<>();

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile NodeDirectory directory;

  @Activate
  public PathUpgrader(Config config, @Reference Endpoint endpoint, @Reference IceAgent ice,
      @Reference Negotiator negotiator, @Reference(service = LoggerFactory.class) Logger log) {
    this.endpoint = endpoint;
    this.ice = ice;
    this.negotiator = negotiator;
    this.log = log;
    this.retry = Duration.ofMillis(config.retry__ms());
    this.maxRetry = Duration.ofMillis(Math.max(config.max__retry__ms(), config.retry__ms()));
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nat-upgrade");
      t.setDaemon(true);
      return t;
    });
    this.selections = ice.onSelected(r -> thread.execute(() -> selected(r)));
    thread.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Deactivate
  void deactivate() throws Exception {
    selections.close();
    thread.shutdownNow();
  }

  private void tick() {
    try {
      boolean enabled = negotiator.strategies().stream()
          .anyMatch(s -> s.name().equals(HolePunchStrategy.NAME) && s.enabled());
      Map<NodeId, QuicConnection> relayed = new HashMap<>();
      for (QuicConnection c : endpoint.connections()) {
        if (upgradable(c) && negotiatedHere(c)) {
          relayed.put(c.peer(), c);
        }
      }
      peers.keySet().retainAll(relayed.keySet());
      NodeDirectory d = directory;
      if (d == null || relayed.isEmpty()) {
        return;
      }
      long now = System.nanoTime();
      NodeDescriptor self = d.self();
      known.keySet().retainAll(relayed.keySet());
      lookedUp.keySet().retainAll(relayed.keySet());
      if (enabled) {
        lookUpOne(d, relayed.keySet(), now);
      }
      for (NodeId peer : relayed.keySet()) {
        NodeDescriptor remote = known.get(peer);
        List<Object> conditions = remote == null ? List.of(enabled)
            : List.of(enabled, self.nat(), remote.nat(), self.observedAddress(), remote.observedAddress());
        UpgradeBackoff b = peers.computeIfAbsent(peer, p -> new UpgradeBackoff(retry, maxRetry, now, conditions));
        b.conditions(conditions, now);
        if (enabled && remote != null && NatPairTable.unpunchable(self.nat(), remote.nat()).isEmpty() && b.due(now)) {
          attempt(peer, b);
        }
      }
    } catch (RuntimeException e) {
      log.warn("upgrade round failed: {}", e.toString()); // the next round tries again
    }
  }

  /**
   * Asks the hub about one of the peers, the one asked about longest ago, at most once every
   * {@link #LOOKUP_INTERVAL}: each question costs a node list the hub sends, which it allows a
   * node only a few of a second, and a connect needs them more.
   */
  private void lookUpOne(NodeDirectory d, java.util.Set<NodeId> relayedPeers, long nowNanos) {
    if (nowNanos - lastLookupNanos < LOOKUP_INTERVAL.toNanos()) {
      return;
    }
    NodeId next = relayedPeers.stream().filter(p -> !known.containsKey(p)).findFirst()
        .orElseGet(() -> relayedPeers.stream().min(java.util.Comparator.comparingLong(p -> lookedUp.getOrDefault(p, 0L)))
            .orElseThrow());
    lastLookupNanos = nowNanos;
    lookedUp.put(next, nowNanos);
    d.find(next).ifPresentOrElse(n -> known.put(next, n), () -> known.remove(next));
  }

  private void attempt(NodeId peer, UpgradeBackoff b) {
    b.started();
    ice.connect(peer).orTimeout(ATTEMPT_LIMIT.toMillis(), TimeUnit.MILLISECONDS).whenCompleteAsync((r, e) -> {
      long now = System.nanoTime();
      if (e == null && !r.relayed()) {
        b.succeeded(now); // selected() has moved the connection
      } else if (e == null) {
        b.failed(now, 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble());
        log.debug("no upgrade with {}: ICE found only a path through a TURN server", peer.shortForm());
      } else {
        b.failed(now, 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble());
        log.debug("no upgrade with {}: {}", peer.shortForm(), e.getMessage());
      }
    }, thread);
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
    PathKind kind = remote.isPresent() && HolePunchStrategy.lanPath(r, new NodePair(d.self(), remote.get()))
        ? PathKind.DIRECT : PathKind.HOLE_PUNCHED;
    TransportPath to = new TransportPath.Direct(r.remote().address(), kind);
    for (QuicConnection c : moving) {
      TransportPath from = c.path();
      if (!from.kind().relayed()) {
        continue; // moved with another connection to the peer: they share its route
      }
      c.switchPath(to, "upgrade: ICE selected " + r.local().address() + " -> " + r.remote().address());
      log.info("connection #{} with {} upgraded from the {} path to the {} path to {}", c.id(),
          r.peer().shortForm(), from.kind().label(), kind.label(), to.nextHop());
    }
  }

  /** A peer connection on a relay whose path no operator chose. */
  private static boolean upgradable(QuicConnection c) {
    return c.protocol().equals(Endpoint.PEER_PROTOCOL) && c.isOpen() && c.path().kind().relayed()
        && !c.isPathPinned();
  }

  /** Whether this node's negotiator made the connection: the connecting side drives the upgrades. */
  private boolean negotiatedHere(QuicConnection c) {
    return negotiator.connection(c.peer()).map(PeerConnection::path).flatMap(p -> p.channel())
        .filter(channel -> channel == c).isPresent();
  }
}
