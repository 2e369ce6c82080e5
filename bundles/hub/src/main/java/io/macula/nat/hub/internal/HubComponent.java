package io.macula.nat.hub.internal;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerAdmission;
import io.macula.nat.api.RelayTraffic;
import io.macula.nat.hub.api.Hub;
import io.macula.nat.hub.protocol.HubMessage;
import io.macula.nat.stun.api.StunServerRequest;
import io.macula.nat.transport.api.ConnectionAcceptor;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.RelayHandler;
import io.macula.nat.turn.api.TurnServerOffer;
import io.macula.nat.turn.api.TurnService;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The hub: admits nodes on the hub protocol, keeps their registry, forwards signalling, and
 * relays the encrypted QUIC packets of peer-to-peer connections between registered nodes. Only a
 * node configured as a hub (PID {@value #PID}) runs one.
 */
@Component(
    service = {Hub.class, ConnectionAcceptor.class, RelayHandler.class, StunServerRequest.class,
        PeerAdmission.class, RelayTraffic.class},
    configurationPid = HubComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    property = ConnectionAcceptor.PROTOCOL + "=" + Endpoint.HUB_PROTOCOL)
@Designate(ocd = HubComponent.Config.class)
public final class HubComponent
    implements Hub, ConnectionAcceptor, RelayHandler, NodeSession.Hub, StunServerRequest, PeerAdmission,
        RelayTraffic {
  static final String PID = "io.macula.nat.hub";

  // A double underscore in a method name gives an underscore in the key (a single one, a dot).
  @ObjectClassDefinition(
      name = "Macula NAT hub",
      description = "Admission, signalling and relay of the hub this node runs.")
  public @interface Config {
    @AttributeDefinition(description = "'allowlist' admits the node ids in 'allow' only; 'open' admits any.",
        options = {@Option(value = "allowlist"), @Option(value = "open")})
    String admission() default "allowlist";

    @AttributeDefinition(required = false, description = "Node ids admitted under 'allowlist'.")
    String[] allow() default {};

    @AttributeDefinition(min = "1", description = "Relayed packets per second allowed each node.")
    long relay__packets__per__second() default 100_000;

    @AttributeDefinition(min = "1", description = "Relayed bytes per second allowed each node.")
    long relay__bytes__per__second() default 200_000_000;

    @AttributeDefinition(min = "30", description = "Seconds the TURN credentials the hub gives each node last"
        + " (it sends fresh ones at half that; a node renews its allocation before they run out).")
    long turn__credentials__s() default 86_400;
  }

  /** The least lifetime of the TURN credentials the hub gives: a node renews its allocation 10 s before their end. */
  static final Duration MIN_TURN_CREDENTIALS = Duration.ofSeconds(30);

  private final Logger log;
  private final Registry registry = new Registry();
  private final RelayDirectory relays = new RelayDirectory();

  // The TURN server of this node, when configured: the hub gives its nodes credentials for it.
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile TurnService turn;

  /** The configuration now: an admission change applies to the next node, sessions stay up. */
  private volatile boolean open;
  private volatile Set<NodeId> allowed;
  /** How long the TURN credentials the hub gives a node last: it sends fresh ones at half that. */
  private volatile Duration turnCredentials;
  private volatile RelayAccounting relay;
  private final LongAdder refused = new LongAdder();
  private final AtomicLong lastRefusalLogged =
      new AtomicLong(System.nanoTime() - 1_000_000_000L);
  private final Clock clock = Clock.systemUTC();
  /** Sessions that may wait for their node's Register at once. */
  static final int MAX_UNREGISTERED = 1024;
  private final AtomicInteger unregistered = new AtomicInteger();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nat-hub-timer");
        t.setDaemon(true);
        return t;
      });

  @Activate
  public HubComponent(Config config, @Reference(service = LoggerFactory.class) Logger log) {
    this.log = log;
    modified(config);
  }

  static Set<NodeId> parseAllow(String[] allow) {
    return Stream.of(allow)
        .flatMap(s -> Stream.of(s.split("[,\\s]+")))
        .filter(s -> !s.isBlank())
        .map(s -> {
          try {
            return NodeId.parse(s);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PID + ": key 'allow' has a bad node id: " + e.getMessage());
          }
        })
        .collect(Collectors.toUnmodifiableSet());
  }

  @Modified
  void modified(Config config) {
    boolean open = switch (config.admission()) {
      case "open" -> true;
      case "allowlist" -> false;
      default -> throw new IllegalArgumentException(
          PID + ": key 'admission' must be 'allowlist' or 'open', not '" + config.admission() + "'");
    };
    Set<NodeId> allowed = parseAllow(config.allow());
    if (config.turn__credentials__s() < MIN_TURN_CREDENTIALS.toSeconds()) {
      throw new IllegalArgumentException(PID + ": key 'turn_credentials_s' must be at least "
          + MIN_TURN_CREDENTIALS.toSeconds() + ", not " + config.turn__credentials__s());
    }
    RelayAccounting old = relay;
    if (old == null || old.packetLimit() != config.relay__packets__per__second()
        || old.byteLimit() != config.relay__bytes__per__second()) {
      relay = new RelayAccounting(config.relay__packets__per__second(), config.relay__bytes__per__second());
    }
    this.open = open;
    this.allowed = allowed;
    this.turnCredentials = Duration.ofSeconds(config.turn__credentials__s());
    log.info("hub running, admission {}", open ? "open" : allowed.size() + " node(s) allowed");
  }

  @Deactivate
  void deactivate() {
    timer.shutdownNow();
  }

  /** The nodes registered with this hub now may open the peer protocol to it too. */
  @Override
  public CompletionStage<Boolean> vouchesFor(NodeId peer) {
    return CompletableFuture.completedFuture(registry.get(peer).isPresent());
  }

  @Override
  public boolean admits(NodeId peer) {
    boolean yes = open || allowed.contains(peer);
    if (!yes) {
      refused.increment();
      // At most one line a second: a node refused over and over must not fill the log.
      long now = System.nanoTime();
      long last = lastRefusalLogged.get();
      if (now - last >= 1_000_000_000L && lastRefusalLogged.compareAndSet(last, now)) {
        log.warn("refused node {}: not in the hub's allowlist ({} refusals in all)", peer, refused.sum());
      }
    }
    return yes;
  }

  @Override
  public void left(NodeId node) {
    relay.forget(node);
  }

  @Override
  public RelayDirectory relayDirectory() {
    return relays;
  }

  @Override
  public List<RelayEntry> relays() {
    return relays.entries(registry);
  }

  /**
   * A connection's first stream is its node's session; the node has nothing to say on others. At
   * most {@link #MAX_UNREGISTERED} sessions may wait for their Register at once.
   */
  @Override
  public void accepted(QuicConnection connection) {
    AtomicBoolean first = new AtomicBoolean(true);
    connection.onStream(stream -> {
      if (!first.getAndSet(false)) {
        stream.close();
        return;
      }
      if (unregistered.incrementAndGet() > MAX_UNREGISTERED) {
        unregistered.decrementAndGet();
        log.debug("node {}: {} sessions wait to register already; closed", connection.peer(), MAX_UNREGISTERED);
        connection.close();
        return;
      }
      new NodeSession(connection, stream, this).start();
    });
  }

  @Override
  public ScheduledExecutorService timer() {
    return timer;
  }

  @Override
  public void settled(NodeSession session) {
    unregistered.decrementAndGet();
  }

  @Override
  public Duration turnCredentialsLifetime() {
    return turnCredentials;
  }

  @Override
  public Optional<HubMessage.TurnCredentials> turnCredentials(NodeId node) {
    TurnService t = turn;
    if (t == null) {
      return Optional.empty();
    }
    // The node's id as the user: the server's allocations show whose each is.
    TurnServerOffer o = t.credentialsFor(node.toString(), turnCredentials);
    return Optional.of(new HubMessage.TurnCredentials(o.uri(), o.username(), o.password(), o.expires().getEpochSecond()));
  }

  @Override
  public byte[] relayKey(InetSocketAddress sender) {
    // A lookup, which counts nothing: the endpoint counts a frame no relay knows the sender of
    // (bad-relay-mac), and it asks every relay handler it has (a peer relay's too) in turn.
    return registry.byObserved(sender).map(Registry.Registration::relayKey).orElse(null);
  }

  @Override
  public void relay(InetSocketAddress sender, NodeId destination, ByteBuffer packet, Forwarder out) {
    Optional<Registry.Registration> from = registry.byObserved(sender);
    if (from.isEmpty()) {
      relay.drop(RelayAccounting.UNREGISTERED_SENDER);
      return;
    }
    Optional<Registry.Registration> to = registry.get(destination);
    Optional<InetSocketAddress> address = to.flatMap(r -> r.node().observedAddress());
    if (address.isEmpty()) {
      relay.drop(RelayAccounting.UNKNOWN_DESTINATION);
      return;
    }
    NodeId source = from.get().node().id();
    if (relay.admit(source, destination, packet.remaining(), System.nanoTime()) == null) {
      out.forward(address.get(), to.get().relayKey(), source, packet);
    }
  }

  @Override
  public List<RegisteredNode> nodes() {
    return registry.nodes();
  }

  @Override
  public List<RelayFlow> relayFlows() {
    return relay.flows();
  }

  @Override
  public Map<String, Long> relayDrops() {
    return relay.drops();
  }

  @Override
  public PathKind kind() {
    return PathKind.HUB_RELAY;
  }

  @Override
  public List<Carried> carried() {
    return relay.carried();
  }

  @Override
  public Map<String, Long> drops() {
    return relay.drops();
  }

  @Override
  public Map<NatBehavior, Long> natTypesSeen() {
    return registry.natTypesSeen();
  }

  @Override
  public Registry registry() {
    return registry;
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public void log(String message, Object... args) {
    log.info(message, args);
  }

  /** Nodes take their hub for their STUN server: a hub answers STUN on its own port. */
  @Override
  public String requester() {
    return "the hub";
  }
}
