package io.macula.nat.negotiator.internal;

import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeDirectory;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PathKind;
import io.macula.nat.transport.api.AlternativePath;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.osgi.service.log.Logger;

/**
 * The path policy of every peer connection, composed of whichever strategies are enabled now.
 * Each connection keeps the best path that works; its route knows the paths it left, probed, and
 * the strategies that {@linkplain io.macula.nat.api.ConnectionStrategy#movesConnections move
 * connections} find new ones:
 *
 * <ul>
 *   <li>a path whose probes went unanswered for {@link Settings#unanswered} is left for an
 *       alternative that answered lately, else for a relay: the enabled strategies whose paths are
 *       all relayed, best first;
 *   <li>a connection on a relay goes back to an alternative as soon as one answers, and, when this
 *       node made it, strategies better than its path's are tried in the background, paced per
 *       peer ({@link UpgradeBackoff}), one attempt at a time, not while none applies to the pair
 *       (two NATs no hole opens through), and at once when the pair's NAT reports or addresses
 *       change, or a strategy is enabled.
 * </ul>
 *
 * A path is taken only while a strategy that makes its kind is enabled; an operator's pinned path
 * is left alone. Confined to one thread: {@link #tick} and what completes on it.
 */
final class PathPolicy {
  /** How the policy is paced. */
  record Settings(Duration unanswered, Duration retry, Duration maxRetry) {}

  /** An alternative is taken when it answered a probe this recently (probes go every 1 to 6 s). */
  static final Duration ANSWERED_WITHIN = Duration.ofSeconds(10);
  /** An upgrade attempt that has not moved the connection by then has failed (ICE gives up sooner). */
  static final Duration ATTEMPT_LIMIT = Duration.ofSeconds(15);
  /** The least time between two questions to the hub about the peers. */
  static final Duration LOOKUP_INTERVAL = Duration.ofSeconds(1);
  /** A path an upgrade found that dies within this long counts as a failed upgrade. */
  static final Duration SHORT_LIVED = Duration.ofSeconds(30);

  private final Settings settings;
  private final Supplier<List<EffectiveStrategy>> plan;
  private final Predicate<QuicConnection> negotiatedHere;
  private final Supplier<NodeDirectory> directory;
  private final Executor thread;
  private final Executor lookups;
  private final RandomGenerator random;
  private final Logger log;
  /** The monotonic clock, in nanoseconds. */
  private final LongSupplier nanos;

  /** Each peer with a relayed connection this node made, and its upgrade attempts. */
  private final Map<NodeId, UpgradeBackoff> upgrades = new HashMap<>();
  /** What the hub last said of each such peer, and when it was asked. */
  private final Map<NodeId, NodeDescriptor> known = new HashMap<>();
  private final Map<NodeId, Long> lookedUp = new HashMap<>();
  private long lastLookupNanos;
  private boolean lookingUp;
  /** The peers whose connections are being given a relay now: one fallback at a time. */
  private final Set<NodeId> fallingBack = new HashSet<>();

  PathPolicy(Settings settings, Supplier<List<EffectiveStrategy>> plan, Predicate<QuicConnection> negotiatedHere,
      Supplier<NodeDirectory> directory, Executor thread, Executor lookups, RandomGenerator random, Logger log,
      LongSupplier nanos) {
    this.settings = settings;
    this.plan = plan;
    this.negotiatedHere = negotiatedHere;
    this.directory = directory;
    this.thread = thread;
    this.lookups = lookups;
    this.random = random;
    this.log = log;
    this.nanos = nanos;
    this.lastLookupNanos = nanos.getAsLong() - LOOKUP_INTERVAL.toNanos();
  }

  /** One round over the endpoint's connections. */
  void tick(List<QuicConnection> connections) {
    long nowNanos = nanos.getAsLong();
    List<EffectiveStrategy> enabled = plan.get();
    Map<NodeId, QuicConnection> relayedHere = new HashMap<>();
    Set<NodeId> connected = new HashSet<>();
    for (QuicConnection c : connections) {
      if (!c.protocol().equals(Endpoint.PEER_PROTOCOL) || !c.isOpen() || c.isPathPinned()) {
        continue;
      }
      connected.add(c.peer());
      TransportPath path = c.path();
      Optional<Duration> unanswered = c.pathUnansweredFor().filter(d -> d.compareTo(settings.unanswered()) > 0);
      if (unanswered.isPresent() && (!path.kind().relayed() || path.kind() == PathKind.PEER_RELAY)) {
        // A path straight to the peer, or through a node that relays (which may go at any time), went
        // dark. (A TURN path is left to its server's allocation, as before.)
        fallBack(c, "the " + path.kind().label() + " path answered no probe for " + unanswered.get().toMillis()
            + " ms", enabled);
        continue;
      }
      if (path.kind().relayed()) {
        Optional<TransportPath> back = answering(c, enabled);
        if (back.isPresent()) {
          TransportPath to = back.get();
          c.switchPath(to, "upgrade: the " + to.kind().label() + " path answers its probes again");
          log.info("connection #{} with {}: the {} path to {} answers again; moved to it", c.id(),
              c.peer().shortForm(), to.kind().label(), to.nextHop());
        } else if (negotiatedHere.test(c)) {
          relayedHere.putIfAbsent(c.peer(), c);
        }
      }
    }
    // A peer's backoff outlives its upgrade while it stays connected: a path that dies soon after
    // an upgrade counts against the next one (see fallBack).
    upgrades.keySet().retainAll(connected);
    upgrade(relayedHere, enabled, nowNanos);
  }

  /** The connection's path stopped answering: to an alternative that answers, else to a relay. */
  private void fallBack(QuicConnection c, String why, List<EffectiveStrategy> enabled) {
    Optional<TransportPath> other = answering(c, enabled);
    if (other.isPresent()) {
      c.switchPath(other.get(), "fallback: " + why + "; to another that answers");
      log.info("connection #{} with {}: {}; moved to {}", c.id(), c.peer().shortForm(), why, other.get().nextHop());
      return;
    }
    if (!fallingBack.add(c.peer())) {
      return;
    }
    List<EffectiveStrategy> relays = enabled.stream().filter(PathPolicy::movesOntoRelays).toList();
    NodeDescriptor remote = known.getOrDefault(c.peer(), NodeDescriptor.unknown(c.peer()));
    NodeDirectory d = directory.get();
    NodePair pair = new NodePair(d == null ? NodeDescriptor.unknown(c.peer()) : d.self(), remote);
    tryInTurn(relays.iterator(), pair, c, "fallback: " + why, "").whenCompleteAsync((kind, e) -> {
      fallingBack.remove(c.peer());
      UpgradeBackoff b = upgrades.get(c.peer());
      if (e == null && b != null && b.succeededWithin(nanos.getAsLong(), SHORT_LIVED.toNanos())) {
        // The path an upgrade found died at once: the next upgrade waits longer, as after a failure.
        b.failed(nanos.getAsLong(), 0.8 + 0.4 * random.nextDouble());
      } else if (e == null && b != null) {
        b.lasted(nanos.getAsLong());
      }
      if (e == null) {
        log.info("connection #{} with {}: {}; fell back to the {} path", c.id(), c.peer().shortForm(), why,
            kind.label());
      } else {
        log.debug("connection #{} with {}: {}; no relay took it: {}", c.id(), c.peer().shortForm(), why,
            e.getMessage());
      }
    }, thread);
  }

  /** The strategies one after the other until one moves the connection. */
  private CompletableFuture<PathKind> tryInTurn(Iterator<EffectiveStrategy> strategies, NodePair pair,
      QuicConnection c, String reason, String failures) {
    if (!strategies.hasNext()) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          failures.isEmpty() ? "no enabled strategy moves connections onto a relay" : failures));
    }
    EffectiveStrategy s = strategies.next();
    return move(s, pair, c, reason).orTimeout(ATTEMPT_LIMIT.toMillis(), TimeUnit.MILLISECONDS)
        .handleAsync((kind, e) -> e == null ? CompletableFuture.completedFuture(kind)
            : tryInTurn(strategies, pair, c, reason, failures + (failures.isEmpty() ? "" : "; ") + s.name() + ": "
                + why(e)), thread)
        .thenCompose(f -> f);
  }

  /**
   * Tries better strategies for the relayed connections this node made, paced per peer: the
   * best one that applies to the pair, one attempt at a time.
   */
  private void upgrade(Map<NodeId, QuicConnection> relayed, List<EffectiveStrategy> enabled, long now) {
    known.keySet().retainAll(relayed.keySet());
    lookedUp.keySet().retainAll(relayed.keySet());
    NodeDirectory d = directory.get();
    if (d == null || relayed.isEmpty()) {
      return;
    }
    List<EffectiveStrategy> movers = enabled.stream().filter(s -> s.strategy().movesConnections()).toList();
    Map<NodeId, List<EffectiveStrategy>> betterFor = new HashMap<>();
    relayed.forEach((peer, c) -> betterFor.put(peer,
        movers.stream().filter(s -> better(s, c.path().kind(), enabled)).toList()));
    Set<NodeId> hopeful = new HashSet<>();
    betterFor.forEach((peer, better) -> {
      if (!better.isEmpty()) {
        hopeful.add(peer);
      }
    });
    if (!hopeful.isEmpty()) {
      lookUpOne(d, hopeful, now); // no strategy would be better: nothing to ask the hub
    }
    NodeDescriptor self = d.self();
    for (Map.Entry<NodeId, QuicConnection> e : relayed.entrySet()) {
      NodeId peer = e.getKey();
      QuicConnection c = e.getValue();
      List<EffectiveStrategy> better = betterFor.get(peer);
      NodeDescriptor remote = known.get(peer);
      List<Object> conditions = remote == null ? List.of(names(better))
          : List.of(names(better), self.nat(), remote.nat(), self.observedAddress(), remote.observedAddress());
      UpgradeBackoff b = upgrades.computeIfAbsent(peer,
          p -> new UpgradeBackoff(settings.retry(), settings.maxRetry(), now, conditions));
      b.conditions(conditions, now);
      if (remote == null || !b.due(now)) {
        continue;
      }
      NodePair pair = new NodePair(self, remote);
      better.stream().filter(s -> s.strategy().appliesTo(pair).applies()).findFirst()
          .ifPresent(s -> attempt(s, pair, c, b));
    }
  }

  private void attempt(EffectiveStrategy s, NodePair pair, QuicConnection c, UpgradeBackoff b) {
    b.started();
    move(s, pair, c, "upgrade").orTimeout(ATTEMPT_LIMIT.toMillis(), TimeUnit.MILLISECONDS)
        .whenCompleteAsync((kind, e) -> {
          long now = nanos.getAsLong();
          if (e == null) {
            b.succeeded(now);
            log.info("connection #{} with {} upgraded by {} to the {} path", c.id(), c.peer().shortForm(), s.name(),
                kind.label());
          } else {
            b.failed(now, 0.8 + 0.4 * random.nextDouble());
            log.debug("no upgrade with {} by {}: {}", c.peer().shortForm(), s.name(), why(e));
          }
        }, thread);
  }

  /** A strategy's move, whatever it does: a move that throws is a failed move, not a stuck peer. */
  private static CompletableFuture<PathKind> move(EffectiveStrategy s, NodePair pair, QuicConnection c, String reason) {
    try {
      CompletableFuture<PathKind> f = s.strategy().move(pair, c, reason);
      return f != null ? f : CompletableFuture.failedFuture(new IllegalStateException(s.name() + " moved nothing"));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Asks the hub about one of the peers, the one asked about longest ago, at most once every
   * {@link #LOOKUP_INTERVAL} and off this thread: each question costs a node list the hub sends,
   * which it allows a node only a few of a second, and a connect needs them more.
   */
  private void lookUpOne(NodeDirectory d, Set<NodeId> peers, long now) {
    if (lookingUp || now - lastLookupNanos < LOOKUP_INTERVAL.toNanos()) {
      return;
    }
    // Never asked first, then the one asked longest ago (a peer the hub does not know takes its turn too).
    NodeId next = peers.stream().filter(p -> !lookedUp.containsKey(p)).findFirst()
        .orElseGet(() -> peers.stream().min(Comparator.comparingLong(lookedUp::get)).orElseThrow());
    lastLookupNanos = now;
    lookedUp.put(next, now);
    lookingUp = true;
    CompletableFuture.supplyAsync(() -> d.find(next), lookups).whenCompleteAsync((found, e) -> {
      lookingUp = false;
      if (e == null && found.isPresent()) {
        known.put(next, found.get());
      } else if (e == null) {
        known.remove(next);
      }
    }, thread);
  }

  /**
   * The first of the connection's other paths that answered a probe lately (the quickest come
   * first) and whose kind an enabled strategy makes: an operator who disabled every strategy of a
   * kind gets no path of it from here either.
   */
  private static Optional<TransportPath> answering(QuicConnection c, List<EffectiveStrategy> enabled) {
    return c.alternatives().stream().filter(a -> a.answeredWithin(ANSWERED_WITHIN)).map(AlternativePath::path)
        .filter(p -> enabled.stream().anyMatch(s -> s.strategy().pathKinds().contains(p.kind())))
        .findFirst();
  }

  /**
   * Whether a strategy may upgrade a connection from a relay of the kind: one that makes paths
   * without a relay always may; another relay only with a higher priority than every enabled
   * strategy that makes the kind (a peer relay over the hub's, as an operator ranks them; never
   * the hub relay over a TURN path hole punching found).
   */
  private static boolean better(EffectiveStrategy s, PathKind relayed, List<EffectiveStrategy> enabled) {
    if (s.strategy().pathKinds().stream().anyMatch(k -> !k.relayed())) {
      return true;
    }
    int current = enabled.stream().filter(r -> r.strategy().pathKinds().contains(relayed))
        .mapToInt(EffectiveStrategy::priority).max().orElse(Integer.MIN_VALUE);
    return s.priority() > current;
  }

  private static boolean makesOnlyRelays(EffectiveStrategy s) {
    Set<PathKind> kinds = s.strategy().pathKinds();
    return !kinds.isEmpty() && kinds.stream().allMatch(PathKind::relayed);
  }

  /** A strategy that moves connections onto relays alone: where a connection whose path died goes. */
  private static boolean movesOntoRelays(EffectiveStrategy s) {
    return s.strategy().movesConnections() && makesOnlyRelays(s);
  }

  /** What an attempt's failure says, for the log and the next failure's list. */
  static String why(Throwable e) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return "no move within " + ATTEMPT_LIMIT.toSeconds() + " s";
    }
    return cause.getMessage() == null ? cause.toString() : cause.getMessage();
  }

  private static List<String> names(List<EffectiveStrategy> strategies) {
    return strategies.stream().map(EffectiveStrategy::name).toList();
  }
}
