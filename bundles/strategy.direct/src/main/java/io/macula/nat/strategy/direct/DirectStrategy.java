package io.macula.nat.strategy.direct;

import io.macula.nat.api.PathKind;
import io.macula.nat.api.Applicability;
import io.macula.nat.api.ConnectionStrategy;
import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeDirectory;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PeerPath;
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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
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
 * QUIC between two nodes in one handshake, wherever one side can be dialled: to a peer with no
 * NAT, to a full-cone peer at the address the hub sees it at, to a peer behind this node's own NAT
 * at its LAN addresses, and, when this node is the reachable one, the other way round: asked
 * through the hub, the peer dials this node (a dial back, as libp2p's DCUtR and Tailscale's
 * call-me-maybe do), which no NAT in front of the peer stops.
 */
@Component(service = {ConnectionStrategy.class, SignalListener.class}, configurationPid = DirectStrategy.PID,
    immediate = true)
@Designate(ocd = DirectStrategy.Config.class)
public final class DirectStrategy implements ConnectionStrategy, SignalListener {
  static final String NAME = "direct";
  static final String PID = "io.macula.nat.strategy.direct";
  /** Dial backs this node makes at once for its peers: each is a QUIC connect. */
  static final int MAX_DIALLING = 8;

  /**
   * The strategy's defaults, in Metatype for an operator to read (and set, with this PID); an
   * override made with nat:priority or nat:timeout (PID io.macula.nat.strategy~direct) goes over them.
   */
  @ObjectClassDefinition(name = "Macula NAT direct strategy", description = "QUIC straight to a reachable node: its defaults.")
  public @interface Config {
    @AttributeDefinition(description = "Higher goes first; the roadmap's default is 100.")
    int priority() default 100;

    @AttributeDefinition(min = "1", description = "Milliseconds a connect waits for this strategy before starting the next.")
    long timeout__ms() default 2000;
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final int priority;
  private final Duration timeout;
  private final Endpoint endpoint;
  private final Logger log;
  /** This node's dial backs waiting for their peer's connection, by session: a refusal ends one. */
  private final Map<String, CompletableFuture<QuicConnection>> awaited = new ConcurrentHashMap<>();
  /** The peers this node dials back now: one dial each, {@value #MAX_DIALLING} in all. */
  private final Set<NodeId> dialling = ConcurrentHashMap.newKeySet();
  private final AtomicInteger dials = new AtomicInteger();

  // The hub session provides both and takes this component as a SignalListener: held as service
  // objects, got only when used, so that neither activation starts the other's (a cycle).
  @Reference(service = Signalling.class, cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
  private volatile ComponentServiceObjects<Signalling> signallingObjects;

  @Reference(service = NodeDirectory.class, cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
  private volatile ComponentServiceObjects<NodeDirectory> directoryObjects;

  @Activate
  public DirectStrategy(Config config, @Reference Endpoint endpoint,
      @Reference(service = LoggerFactory.class) Logger log) {
    this.endpoint = endpoint;
    this.log = log;
    this.priority = config.priority();
    this.timeout = ConnectionStrategy.configuredTimeout(PID, config.timeout__ms());
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
    return Set.of(PathKind.DIRECT);
  }

  @Override
  public Applicability appliesTo(NodePair pair) {
    DirectPlan plan = DirectPlan.of(pair, canSignal());
    return plan instanceof DirectPlan.None none ? Applicability.no(none.why()) : Applicability.yes();
  }

  @Override
  public CompletableFuture<PeerPath> attempt(NodePair pair) {
    DirectPlan plan = DirectPlan.of(pair, canSignal());
    if (plan instanceof DirectPlan.Dial dial) {
      return ConnectionPath.attempt(NAME, Race.first(dial.addresses().stream()
          .map(a -> endpoint.connect(pair.remote().id(), new TransportPath.Direct(a), Endpoint.PEER_PROTOCOL))
          .toList()));
    }
    if (plan instanceof DirectPlan.DialBack) {
      return ConnectionPath.attempt(NAME, dialBack(pair.remote().id()));
    }
    return CompletableFuture.failedFuture(StrategyFailure.notApplicable(((DirectPlan.None) plan).why()));
  }

  private boolean canSignal() {
    return using(signallingObjects, Signalling::isConnected).orElse(false);
  }

  /** What {@code f} makes of a service held as service objects, if it is there. */
  private static <S, R> Optional<R> using(ComponentServiceObjects<S> objects, java.util.function.Function<S, R> f) {
    if (objects == null) {
      return Optional.empty();
    }
    S service = objects.getService();
    try {
      return service == null ? Optional.empty() : Optional.ofNullable(f.apply(service));
    } finally {
      if (service != null) {
        objects.ungetService(service);
      }
    }
  }

  /** Signals a peer through the hub; false when there is no hub session to signal through. */
  private boolean signal(NodeId to, DialBackSignal s) {
    return using(signallingObjects, hub -> {
      hub.signal(to, DialBackSignal.encode(s));
      return true;
    }).orElse(false);
  }

  /**
   * Asks the peer to dial this node, and takes the first connection of the peer's that arrives
   * after the ask. Cancelling the future stops the wait.
   */
  private CompletableFuture<QuicConnection> dialBack(NodeId peer) {
    String session = HexFormat.of().formatHex(randomBytes());
    CompletableFuture<QuicConnection> inbound = new CompletableFuture<>();
    Set<Long> before = endpoint.connections().stream().map(QuicConnection::id).collect(Collectors.toSet());
    AutoCloseable listening = endpoint.onConnection(c -> {
      if (c.peer().equals(peer) && c.protocol().equals(Endpoint.PEER_PROTOCOL) && !before.contains(c.id())) {
        inbound.complete(c);
      }
    });
    awaited.put(session, inbound);
    inbound.whenComplete((c, e) -> {
      awaited.remove(session);
      try {
        listening.close();
      } catch (Exception ignored) {
        // removing a listener does not fail
      }
    });
    try {
      if (!signal(peer, new DialBackSignal.Dial(session))) {
        throw new IllegalStateException("it ended");
      }
    } catch (IllegalStateException e) {
      inbound.completeExceptionally(StrategyFailure.notApplicable("no hub session: " + e.getMessage()));
    }
    return inbound;
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return b;
  }

  @Override
  public void signal(NodeId from, byte[] payload) {
    if (!DialBackSignal.isDirect(payload)) {
      return; // another listener's
    }
    DialBackSignal s;
    try {
      s = DialBackSignal.decode(payload);
    } catch (DialBackSignal.Malformed e) {
      log.debug("malformed direct signal from {}: {}", from.shortForm(), e.getMessage());
      return;
    }
    if (s instanceof DialBackSignal.Dial d) {
      dial(from, d.session());
    } else {
      CompletableFuture<QuicConnection> waiting = awaited.get(s.session());
      if (waiting != null) {
        waiting.completeExceptionally(StrategyFailure.refused(
            from.shortForm() + " does not dial back: " + ((DialBackSignal.Refuse) s).reason()));
      }
    }
  }

  /**
   * A peer asks to be dialled: at the address the hub sees it at, and only where that is its own
   * (no NAT in front of it), so that a peer cannot make this node send anywhere else.
   */
  private void dial(NodeId asker, String session) {
    Optional<NodeDescriptor> known = using(directoryObjects, d -> d.find(asker).orElse(null));
    if (known.isEmpty() || known.get().observedAddress().isEmpty()) {
      refuse(asker, session, "the hub knows no address of " + asker.shortForm());
      return;
    }
    if (!DirectPlan.reachable(known.get())) {
      refuse(asker, session, "the hub sees " + asker.shortForm() + " at " + known.get().observedAddress().get()
          + ", not at an address it reports: it is not reachable");
      return;
    }
    if (using(directoryObjects, d -> d.self().nat()).orElse(NatBehavior.UNKNOWN) == NatBehavior.UDP_BLOCKED) {
      refuse(asker, session, "UDP is blocked here");
      return;
    }
    if (!dialling.add(asker)) {
      refuse(asker, session, "a dial to it is under way");
      return;
    }
    if (dials.incrementAndGet() > MAX_DIALLING) {
      dials.decrementAndGet();
      dialling.remove(asker);
      refuse(asker, session, "busy: " + MAX_DIALLING + " dials under way");
      return;
    }
    InetSocketAddress to = known.get().observedAddress().get();
    endpoint.connect(asker, new TransportPath.Direct(to), Endpoint.PEER_PROTOCOL).whenComplete((c, e) -> {
      dials.decrementAndGet();
      dialling.remove(asker);
      if (e != null) {
        refuse(asker, session, "the dial to " + to + " failed: " + ConnectionPath.failure(e).getMessage());
      } else {
        log.debug("dialled {} back at {}", asker.shortForm(), to);
      }
    });
  }

  /** Without a hub session the peer's attempt times out instead. */
  private void refuse(NodeId to, String session, String reason) {
    try {
      signal(to, new DialBackSignal.Refuse(session, reason));
    } catch (IllegalStateException e) {
      log.debug("direct refusal to {} not sent: {}", to.shortForm(), e.getMessage());
    }
  }
}
