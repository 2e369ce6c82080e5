package io.macula.nat.strategy.peerrelay;

import io.macula.nat.api.Applicability;
import io.macula.nat.api.ConnectionStrategy;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerChannel;
import io.macula.nat.api.PeerPath;
import io.macula.nat.api.RelayDirectory;
import io.macula.nat.api.SignalListener;
import io.macula.nat.api.Signalling;
import io.macula.nat.api.StrategyFailure;
import io.macula.nat.transport.api.ConnectionPath;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * The peer-to-peer QUIC connection through a node that relays for others. This node links to the
 * relays its hub lists (reachable ones only) and measures its round trip to each; the peer, told
 * through the hub, does the same and picks the relay with the lowest sum of both; both ask that
 * relay for the pair, and QUIC runs through it, which forwards packets it cannot read. It also
 * moves a live connection onto such a relay (from the hub relay, or from a relay that went away).
 */
@Component(service = {ConnectionStrategy.class, SignalListener.class, PeerRelayStrategy.class}, configurationPid = PeerRelayStrategy.PID,
    immediate = true)
@Designate(ocd = PeerRelayStrategy.Config.class)
public final class PeerRelayStrategy implements ConnectionStrategy, SignalListener {
  static final String NAME = "peerrelay";
  static final String PID = "io.macula.nat.strategy.peerrelay";
  /** Offers of peers served at once: each links to relays and waits for a pair. */
  static final int MAX_SERVING = 16;
  /** Offers of one peer served at once: no node keeps this one's workers for itself. */
  static final int MAX_SERVING_PER_PEER = 2;
  /** How long links to the relays may take before those that answered are compared. */
  static final Duration LINK_WAIT = Duration.ofMillis(1500);
  /** How long the hub's list of relays is taken as it stands. */
  static final Duration LIST_LASTS = Duration.ofSeconds(3);
  /** How often links to relays no connection uses are looked for. */
  static final Duration PRUNE_EVERY = Duration.ofSeconds(10);
  /** How long the peer may take to pick a relay and ask it: it links to each first. */
  static final Duration CHOICE_WAIT = LINK_WAIT.plusSeconds(2);

  /**
   * The strategy's defaults, in Metatype for an operator to read (and set, with this PID); an
   * override made with nat:priority or nat:timeout (PID io.macula.nat.strategy~peerrelay) goes over them.
   */
  @ObjectClassDefinition(name = "Macula NAT peer relay strategy",
      description = "QUIC through a node that relays for others, picked by the round trips both ends measured: its defaults.")
  public @interface Config {
    @AttributeDefinition(description = "Higher goes first; the roadmap's default is 60, above the hub relay (40).")
    int priority() default 60;

    @AttributeDefinition(min = "1", description = "Milliseconds a connect waits for this strategy before starting the next.")
    long timeout__ms() default 2000;
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final int priority;
  private final Duration timeout;
  private final Endpoint endpoint;
  private final Logger log;
  /** Attempts, moves and the peers' offers: each waits on the network, and on {@link #questions}. */
  private final ExecutorService work;
  /** The questions to relays, apart: a full {@link #work} never keeps them from being asked. */
  private final ExecutorService questions;
  private final RelayLinks links;
  private final java.util.concurrent.ScheduledExecutorService pruner;
  /** This node's offers waiting for their peer's answer, by session. */
  private final Map<String, Asked> asked = new ConcurrentHashMap<>();

  private record Asked(NodeId peer, CompletableFuture<RelaySignal> answer) {}

  /** The relays a directory listed, and when (nanoTime). */
  private record Listed(RelayDirectory directory, List<NodeDescriptor> relays, long at) {}

  private volatile Listed lastListed;

  /** The offers being served, by the peer that made them; a peer with none has no entry. */
  private final Map<NodeId, Integer> serving = new ConcurrentHashMap<>();

  // Optional and dynamic: the hub session, which provides both, takes this component as a SignalListener.
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile Signalling signalling;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile RelayDirectory directory;

  @Activate
  public PeerRelayStrategy(Config config, @Reference Endpoint endpoint,
      @Reference(service = LoggerFactory.class) Logger log) {
    this.endpoint = endpoint;
    this.log = log;
    this.priority = config.priority();
    this.timeout = ConnectionStrategy.configuredTimeout(PID, config.timeout__ms());
    this.work = pool(2 * MAX_SERVING, "nat-peerrelay");
    this.questions = pool(2 * MAX_SERVING, "nat-peerrelay-questions");
    this.links = new RelayLinks(endpoint, questions);
    this.pruner = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nat-peerrelay-links");
      t.setDaemon(true);
      return t;
    });
    pruner.scheduleWithFixedDelay(this::prune, PRUNE_EVERY.toMillis(), PRUNE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Closes the links to relays no connection goes through any more, and distrusts each relay it
   * has no link to: frames from it are no one's now (its pairs went with the link).
   */
  private void prune() {
    try {
      links.prune(this::carries, System.nanoTime(), endpoint::distrustRelay);
    } catch (RuntimeException e) {
      log.warn("pruning the links to relays failed", e);
    }
  }

  /** Whether a connection's path goes through the relay at {@code address} now. */
  private boolean carries(InetSocketAddress address) {
    return endpoint.connections().stream().anyMatch(c -> c.path() instanceof TransportPath.Relayed r
        && r.kind() == PathKind.PEER_RELAY && r.relay().equals(address));
  }

  /**
   * Up to {@code threads} at once, each started as needed (a pool's threads beyond its core start
   * only once its queue is full: with a small core, tasks that wait on queued ones never end).
   */
  private static ExecutorService pool(int threads, String name) {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(2 * threads), r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  @Deactivate
  void deactivate() {
    pruner.shutdownNow();
    work.shutdownNow();
    questions.shutdownNow();
    asked.values().forEach(a -> a.answer().cancel(true));
    links.open().values().forEach(l -> endpoint.distrustRelay(l.address())); // their pairs end with the links
    links.close();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return priority;
  }

  @Override
  public Duration timeout() {
    return timeout;
  }

  @Override
  public Set<PathKind> pathKinds() {
    return Set.of(PathKind.PEER_RELAY);
  }

  @Override
  public boolean movesConnections() {
    return true;
  }

  @Override
  public Applicability appliesTo(NodePair pair) {
    Signalling s = signalling;
    if (s == null || !s.isConnected() || directory == null) {
      return Applicability.no("no session with the hub, whose relay directory lists the relays");
    }
    if (pair.remote().observedAddress().isEmpty()) {
      return Applicability.no(pair.remote().id().shortForm() + " is not registered with the hub");
    }
    return Applicability.yes(); // whether a relay is offered, only the hub knows: the attempt asks
  }

  @Override
  public CompletableFuture<PeerPath> attempt(NodePair pair) {
    CompletableFuture<TransportPath.Relayed> relayed = relayed(pair, Optional.empty(), false);
    CompletableFuture<PeerPath> result = relayed.thenCompose(path ->
        ConnectionPath.attempt(NAME, endpoint.connect(pair.remote().id(), path, Endpoint.PEER_PROTOCOL)));
    result.whenComplete((p, e) -> {
      if (e instanceof CancellationException) {
        relayed.cancel(true);
      }
    });
    return result;
  }

  /**
   * Puts the connection on a relay this node and the peer agree on: never the one it is on now (a
   * relay the path policy moves it from has stopped answering).
   */
  @Override
  public CompletableFuture<PathKind> move(NodePair pair, PeerChannel connection, String reason) {
    if (!(connection instanceof QuicConnection c) || !c.isOpen()) {
      return CompletableFuture.failedFuture(StrategyFailure.notApplicable("not an open connection of this node's endpoint"));
    }
    Optional<InetSocketAddress> current = c.path() instanceof TransportPath.Relayed r && r.kind() == PathKind.PEER_RELAY
        ? Optional.of(r.relay()) : Optional.empty();
    return relayed(pair, current, true).thenApply(path -> {
      c.switchPath(path, reason + ": through the relay at " + path.relay());
      return PathKind.PEER_RELAY;
    });
  }

  /**
   * Finds a relay for the pair with the peer and has it pair them: the path through it, whose
   * frames the endpoint takes and sends under the key the relay gave.
   */
  private CompletableFuture<TransportPath.Relayed> relayed(NodePair pair, Optional<InetSocketAddress> excluded,
      boolean move) {
    CompletableFuture<TransportPath.Relayed> result = new CompletableFuture<>();
    try {
      work.execute(() -> {
        try {
          result.complete(pairThroughRelay(pair.remote().id(), excluded, move, result));
        } catch (Throwable e) {
          result.completeExceptionally(e instanceof StrategyFailure ? e : ConnectionPath.failure(e));
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      result.completeExceptionally(StrategyFailure.refused("too many peer relay attempts at once"));
    }
    return result;
  }

  private TransportPath.Relayed pairThroughRelay(NodeId peer, Optional<InetSocketAddress> excluded, boolean move,
      CompletableFuture<?> abandoned) throws Exception {
    Map<NodeId, InetSocketAddress> candidates = reachableRelays(peer);
    excluded.ifPresent(a -> candidates.values().removeIf(a::equals));
    if (candidates.isEmpty()) {
      throw StrategyFailure.notApplicable(excluded.isPresent()
          ? "no node offers to relay but the one the connection left" : "no reachable node offers to relay");
    }
    Map<NodeId, RelayLinks.Link> measured = measure(candidates);
    if (measured.isEmpty()) {
      throw StrategyFailure.timedOut("no relay answered within " + LINK_WAIT.toMillis() + " ms: " + candidates.keySet());
    }
    Map<NodeId, Duration> offered = new LinkedHashMap<>();
    measured.values().stream().sorted(Comparator.comparing(RelayLinks.Link::rtt)).limit(RelaySignal.MAX_RELAYS)
        .forEach(l -> offered.put(l.relay(), l.rtt()));
    byte[] id = new byte[8];
    RANDOM.nextBytes(id);
    String session = HexFormat.of().formatHex(id);
    Asked waiting = new Asked(peer, new CompletableFuture<>());
    asked.put(session, waiting);
    RelaySignal answer;
    try {
      send(peer, new RelaySignal.Offer(session, move, offered));
      answer = waiting.answer().get(CHOICE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw StrategyFailure.timedOut(peer.shortForm() + " picked no relay within " + CHOICE_WAIT.toMillis() + " ms");
    } finally {
      asked.remove(session);
    }
    if (answer instanceof RelaySignal.Refuse r) {
      throw StrategyFailure.refused(peer.shortForm() + " refused: " + r.reason());
    }
    RelayLinks.Link link = measured.get(((RelaySignal.Use) answer).relay());
    if (link == null) {
      throw StrategyFailure.refused(peer.shortForm() + " picked a relay this node did not offer");
    }
    if (abandoned.isDone()) {
      throw new CancellationException();
    }
    byte[] key = get(links.pair(link, peer));
    endpoint.trustRelay(link.address(), key, PathKind.PEER_RELAY);
    return new TransportPath.Relayed(link.address(), peer, PathKind.PEER_RELAY);
  }

  /**
   * The relays the hub lists that other nodes can reach unasked (no NAT, or a full cone), but this
   * node and the peer, by id, at the address the hub sees them at.
   */
  private Map<NodeId, InetSocketAddress> reachableRelays(NodeId peer) {
    RelayDirectory d = directory;
    Map<NodeId, InetSocketAddress> out = new LinkedHashMap<>();
    if (d == null) {
      return out;
    }
    for (NodeDescriptor relay : listed(d)) {
      if (relay.nat().letsInUnasked() && relay.observedAddress().isPresent() && !relay.id().equals(peer)
          && !relay.id().equals(endpoint.localId())) {
        out.put(relay.id(), relay.observedAddress().get());
      }
    }
    return out;
  }

  /**
   * The relays the hub listed within {@link #LIST_LASTS}, or as it lists them now: each list is a
   * question to the hub (the whole node list), and attempts, moves and offers come in bursts.
   */
  private List<NodeDescriptor> listed(RelayDirectory d) {
    Listed l = lastListed;
    long now = System.nanoTime();
    if (l == null || l.directory() != d || now - l.at() > LIST_LASTS.toNanos()) {
      l = new Listed(d, d.relays(), now);
      lastListed = l;
    }
    return l.relays();
  }

  /** Links to each relay at once: those that answered within {@link #LINK_WAIT}, by id. */
  private Map<NodeId, RelayLinks.Link> measure(Map<NodeId, InetSocketAddress> relays) throws InterruptedException {
    Map<NodeId, CompletableFuture<RelayLinks.Link>> linking = new LinkedHashMap<>();
    relays.forEach((id, address) -> linking.put(id, links.link(id, address)));
    long deadline = System.nanoTime() + LINK_WAIT.toNanos();
    Map<NodeId, RelayLinks.Link> out = new LinkedHashMap<>();
    for (var e : linking.entrySet()) {
      try {
        out.put(e.getKey(), e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (ExecutionException | TimeoutException failed) {
        log.debug("no link to the relay {}: {}", e.getKey().shortForm(), failed.toString());
      }
    }
    return out;
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private void send(NodeId to, RelaySignal s) throws StrategyFailure {
    Signalling sig = signalling;
    if (sig == null) {
      throw StrategyFailure.notApplicable("no session with the hub to signal " + to.shortForm());
    }
    sig.signal(to, RelaySignal.encode(s));
  }

  @Override
  public void signal(NodeId from, byte[] payload) {
    if (!RelaySignal.isPeerRelay(payload)) {
      return;
    }
    RelaySignal s;
    try {
      s = RelaySignal.decode(payload);
    } catch (RelaySignal.Malformed e) {
      log.debug("a malformed peer relay signal from {}: {}", from.shortForm(), e.getMessage());
      return;
    }
    if (s instanceof RelaySignal.Offer offer) {
      if (serving.merge(from, 1, Integer::sum) > MAX_SERVING_PER_PEER) {
        done(from);
        trySend(from, new RelaySignal.Refuse(offer.session(), "more than " + MAX_SERVING_PER_PEER
            + " of your offers are being served"));
        return;
      }
      try {
        work.execute(() -> {
          Optional<RelaySignal.Refuse> refusal = Optional.empty();
          try {
            refusal = serve(from, offer);
          } finally {
            done(from);
          }
          // Once the count went down: a peer told no may offer again at once.
          refusal.ifPresent(r -> trySend(from, r));
        });
      } catch (java.util.concurrent.RejectedExecutionException busy) {
        done(from);
        trySend(from, new RelaySignal.Refuse(offer.session(), "too many peer relay offers at once"));
      }
      return;
    }
    Asked a = asked.get(s.session());
    if (a != null && a.peer().equals(from)) {
      a.answer().complete(s); // only the peer asked answers its session
    }
  }

  /** One offer of the peer's served: its count goes down, and with the last, its entry. */
  private void done(NodeId peer) {
    serving.computeIfPresent(peer, (p, n) -> n > 1 ? n - 1 : null);
  }

  /**
   * The peer's offer: links to those of its relays this node's hub lists too, picks the one with
   * the lowest round trip from both, asks it for the pair and tells the peer to ask it too.
   *
   * @return the refusal to send the peer when no relay serves
   */
  private Optional<RelaySignal.Refuse> serve(NodeId from, RelaySignal.Offer offer) {
    try {
      Map<NodeId, InetSocketAddress> mine = reachableRelays(from);
      mine.keySet().retainAll(offer.relays().keySet());
      if (mine.isEmpty()) {
        return Optional.of(new RelaySignal.Refuse(offer.session(), "none of the relays offered is one "
            + endpoint.localId().shortForm() + "'s hub lists as reachable"));
      }
      Map<NodeId, RelayLinks.Link> measured = measure(mine);
      Optional<RelayLinks.Link> best = measured.values().stream()
          .min(Comparator.comparing(l -> l.rtt().plus(offer.relays().get(l.relay()))));
      if (best.isEmpty()) {
        return Optional.of(new RelaySignal.Refuse(offer.session(), "no relay offered answered "
            + endpoint.localId().shortForm() + " within " + LINK_WAIT.toMillis() + " ms"));
      }
      RelayLinks.Link link = best.get();
      CompletableFuture<byte[]> pairing = links.pair(link, from);
      send(from, new RelaySignal.Use(offer.session(), link.relay()));
      byte[] key = get(pairing);
      endpoint.trustRelay(link.address(), key, PathKind.PEER_RELAY);
      if (offer.move()) {
        // The peer moves the connection it has onto the relay: this side's packets go there too,
        // unless they go straight to the peer, or where an operator pinned them.
        TransportPath.Relayed path = new TransportPath.Relayed(link.address(), from, PathKind.PEER_RELAY);
        endpoint.connection(from, Endpoint.PEER_PROTOCOL)
            .filter(c -> !c.isPathPinned() && c.path().kind().relayed())
            .ifPresent(c -> c.switchPath(path, "moved by " + from.shortForm() + ": through the relay at "
                + link.address()));
      }
    } catch (Exception e) {
      log.debug("serving the peer relay offer of {}: {}", from.shortForm(), e.toString());
    }
    return Optional.empty();
  }

  private void trySend(NodeId to, RelaySignal s) {
    try {
      send(to, s);
    } catch (StrategyFailure | RuntimeException e) {
      log.debug("could not signal {}: {}", to.shortForm(), e.toString());
    }
  }

  /** The links this node holds to relays, with their round trips: what nat:relay shows of this side. */
  List<String> describeLinks() {
    return links.open().values().stream()
        .map(l -> l.relay().shortForm() + " at " + l.address() + ", round trip "
            + String.format(java.util.Locale.ROOT, "%.2f ms", l.rtt().toNanos() / 1e6))
        .toList();
  }
}
