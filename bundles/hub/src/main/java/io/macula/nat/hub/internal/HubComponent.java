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
import io.macula.nat.transport.api.RelayExchange;
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
import org.osgi.framework.BundleContext;
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
    service = {Hub.class, ConnectionAcceptor.class, RelayHandler.class, RelayExchange.class, StunServerRequest.class,
        PeerAdmission.class, RelayTraffic.class},
    configurationPid = HubComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    property = ConnectionAcceptor.PROTOCOL + "=" + Endpoint.HUB_PROTOCOL)
@Designate(ocd = HubComponent.Config.class)
public final class HubComponent
    implements Hub, ConnectionAcceptor, RelayHandler, RelayExchange, NodeSession.Hub, StunServerRequest,
        PeerAdmission, RelayTraffic {
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

    @AttributeDefinition(required = false, description = "The ZooKeeper ensemble that holds the mesh's directory"
        + " of hubs and nodes, as a connect string (host:port,host:port,...). Empty: the hub runs a standalone"
        + " ZooKeeper server of its own, on loopback, for a mesh of one hub.")
    String zookeeper() default "";

    @AttributeDefinition(required = false, description = "Where nodes and other hubs reach this hub (host:port),"
        + " as the directory tells them. Empty: the address the node's endpoint is bound to.")
    String address() default "";
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
  private final Standbys standbys = new Standbys(this::later);
  /** Times another hub's link went silent. */
  private final LongAdder silentHubs = new LongAdder();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nat-hub-timer");
        t.setDaemon(true);
        return t;
      });

  private final BundleContext context;
  /** The hub's part in the mesh; null until the node's endpoint is there. */
  private volatile HubMesh mesh;
  /** The directory's settings from the configuration: 'zookeeper' and 'address'. */
  private volatile String zookeeper = "";
  private volatile String address = "";

  @Activate
  public HubComponent(Config config, BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
    this.log = log;
    this.context = context;
    modified(config);
  }

  /**
   * The node's endpoint: the hub's id and address are its. Dynamic, so that neither waits for the
   * other: the endpoint takes the hub's services (acceptor, relay) as they come, and the hub takes it.
   */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void bindEndpoint(Endpoint endpoint) {
    HubMesh old;
    synchronized (this) {
      old = mesh;
      mesh = null;
    }
    if (old != null) {
      old.close(); // first: the new one's directory opens the same data folder
    }
    HubMesh now = new HubMesh(endpoint, context,
        self -> new DirectoryHolder(context.getDataFile("zookeeper").toPath(), self, directoryOwner,
            opened -> {
              log.info("hub directory: {}", directoryState());
              // The nodes that registered before it opened: their homes are written now.
              registry.nodes().forEach(n -> opened.registered(n.node()));
            },
            (where, e) -> log.error("hub directory: cannot open {}: {}; trying again in {} s", where, e.toString(),
                DirectoryHolder.RETRY_MS / 1000)),
        this::tell, timer, this::silentHub, log::info);
    synchronized (this) {
      mesh = now;
      openDirectory(now);
    }
  }

  void unbindEndpoint(Endpoint endpoint) {
    HubMesh gone = null;
    synchronized (this) {
      if (mesh != null && mesh.endpoint == endpoint) {
        gone = mesh;
        mesh = null;
      }
    }
    if (gone != null) {
      gone.close();
    }
  }

  /** The directory, or null while the hub has none open. */
  private MeshDirectory directory() {
    HubMesh m = mesh;
    return m == null ? null : m.directory();
  }

  /** Opens the mesh part's directory with the settings of now, unless it is open with them. */
  private void openDirectory(HubMesh m) {
    String zk = zookeeper;
    String at = address;
    if (!zk.isEmpty() && at.isEmpty() && m.boundToAll) {
      log.warn("{}: key 'address' is not set and the endpoint is bound to {}: other hubs and their nodes cannot"
          + " reach this hub there; set 'address' to where they can", PID, m.boundAddress);
    }
    m.directory.open(zk, at.isEmpty() ? m.boundAddress : at);
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

  /**
   * Checks a ZooKeeper connect string: {@code host:port} pairs separated by commas, and an
   * optional chroot path after the last.
   */
  static String checkZookeeper(String text) {
    String s = text.strip();
    if (s.isEmpty()) {
      return s;
    }
    int slash = s.indexOf('/');
    String hosts = slash < 0 ? s : s.substring(0, slash);
    for (String h : hosts.split(",")) {
      try {
        io.macula.nat.api.HostPort.parseRemote(h);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(PID + ": key 'zookeeper' is not host:port[,host:port...][/chroot]: "
            + e.getMessage());
      }
    }
    return s;
  }

  /** Checks the address the hub is reached at: {@code host:port}, a real port. */
  static String checkAddress(String text) {
    String s = text.strip();
    if (!s.isEmpty()) {
      try {
        io.macula.nat.api.HostPort.parseRemote(s);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(PID + ": key 'address' is not host:port: " + e.getMessage());
      }
    }
    return s;
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
    String zookeeper = checkZookeeper(config.zookeeper());
    String address = checkAddress(config.address());
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
    synchronized (this) {
      this.zookeeper = zookeeper;
      this.address = address;
      if (mesh != null) {
        openDirectory(mesh);
      }
    }
  }

  private final MeshDirectory.Owner directoryOwner = new MeshDirectory.Owner() {
    @Override
    public int nodeCount() {
      return registry.size();
    }

    @Override
    public void log(String message, Object... args) {
      log.info(message, args);
    }

    @Override
    public boolean holds(NodeId node) {
      return registry.get(node).isPresent();
    }

    @Override
    public java.util.Collection<io.macula.nat.api.NodeDescriptor> held() {
      return registry.nodes().stream().map(RegisteredNode::node).toList();
    }

    @Override
    public void hubsChanged() {
      // Once for a burst of changes (the directory's first read lists every hub at once).
      if (hubsToTell.compareAndSet(false, true)) {
        later(HubComponent.this::tellHubs, java.time.Duration.ofMillis(HUBS_CHANGED_DELAY_MS));
      }
    }

    @Override
    public void hubGone(NodeId hub) {
      tellStandbys(hub);
    }

    @Override
    public void homeTaken(NodeId node, NodeId home) {
      // The node registered with another hub since: the session here is one it left.
      registry.get(node).ifPresent(r -> r.session().close());
    }
  };

  /** A hub this one's link heard nothing from for a while: it may have died before the directory can say. */
  private void silentHub(NodeId hub) {
    silentHubs.increment();
    log.info("hub {} sent nothing for {} s: the nodes standing by here are told", hub.shortForm(),
        HubWatch.SILENT_AFTER.toSeconds());
    tellStandbys(hub);
  }

  /**
   * Tells the nodes that stand by here that a hub left or went silent: those homed there learn it
   * now, not only once their own pings fail, and each checks its own session before it moves.
   */
  private void tellStandbys(NodeId hub) {
    MeshDirectory d = directory();
    standbys.tellGone(hub, node -> d == null ? Optional.empty() : d.node(node).map(Hub.HomedNode::home));
  }

  @Deactivate
  void deactivate() {
    HubMesh m;
    synchronized (this) {
      m = mesh;
      mesh = null;
    }
    if (m != null) {
      m.close();
    }
    timer.shutdownNow();
  }

  @Override
  public void homed(io.macula.nat.api.NodeDescriptor node) {
    MeshDirectory d = directory();
    if (d != null) {
      d.registered(node);
    }
  }

  @Override
  public void changed(NodeId node) {
    MeshDirectory d = directory();
    if (d != null) {
      registry.get(node).ifPresent(r -> d.changed(r.node()));
    }
  }

  @Override
  public List<MeshHub> hubs() {
    MeshDirectory d = directory();
    return d == null ? List.of() : d.hubs();
  }

  @Override
  public NodeId id() {
    HubMesh m = mesh;
    if (m == null) {
      throw new IllegalStateException("the hub has no endpoint yet");
    }
    return m.self;
  }

  @Override
  public boolean allow(NodeId node) {
    return changeAllowlist(d -> d.allow(node));
  }

  @Override
  public boolean disallow(NodeId node) {
    return changeAllowlist(d -> d.disallow(node));
  }

  private interface AllowlistChange {
    boolean apply(MeshDirectory d) throws Exception;
  }

  private boolean changeAllowlist(AllowlistChange change) {
    MeshDirectory d = directory();
    // Past the session's timeout the client has lost more than a member: no use waiting longer.
    if (d == null || !d.awaitConnected(Duration.ofMillis(DirectoryConnection.SESSION_MS))) {
      throw new IllegalStateException("the directory is not reachable (" + directoryState() + "): the allowlist is"
          + " unchanged");
    }
    try {
      return change.apply(d);
    } catch (Exception e) {
      throw new IllegalStateException("the directory did not take the change: " + e.getMessage(), e);
    }
  }

  @Override
  public List<NodeId> meshAllowlist() {
    MeshDirectory d = directory();
    return d == null ? List.of() : List.copyOf(d.allowed());
  }

  @Override
  public List<HomedNode> meshNodes() {
    MeshDirectory d = directory();
    HubMesh m = mesh;
    if (m == null) {
      return List.of(); // no endpoint: no node registered either
    }
    NodeId self = m.self;
    List<HomedNode> listed = d == null ? List.of() : d.nodes();
    Map<NodeId, HomedNode> records = new java.util.HashMap<>();
    listed.forEach(n -> records.put(n.node().id(), n));
    List<HomedNode> out = new java.util.ArrayList<>();
    for (RegisteredNode r : registry.nodes()) {
      HomedNode record = records.get(r.node().id());
      out.add(record == null ? new HomedNode(r.node(), self, 0) : new HomedNode(r.node(), record.home(), record.epoch()));
    }
    // A record that names this hub home for a node it does not hold is one of its past: not listed.
    listed.stream().filter(n -> !n.home().equals(self) && registry.get(n.node().id()).isEmpty()).forEach(out::add);
    return out;
  }

  @Override
  public Optional<String> forward(NodeId from, NodeId to, byte[] payload) {
    HubMesh m = mesh;
    return m == null ? Optional.of("node " + to + " is not registered") : m.forwarding.forward(from, to, payload);
  }

  /** A node homed at another hub, as the directory has it: what a lookup answers when it is not here. */
  @Override
  public CompletionStage<Optional<HubMessage.Entry>> elsewhere(NodeId node) {
    HubMesh m = mesh;
    if (m == null) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return m.forwarding.lookup(node).thenApply(r -> r.map(n -> new HubMessage.Entry(n.node(), clock.millis())));
  }

  /** The most relays of other hubs a node list names: enough to pick from by round trip. */
  static final int MAX_RELAYS_ELSEWHERE = 32;

  @Override
  public List<HubMessage.Entry> relaysElsewhere() {
    MeshDirectory d = directory();
    HubMesh m = mesh;
    if (d == null || m == null) {
      return List.of();
    }
    long now = clock.millis();
    return d.relays().stream()
        .filter(r -> !r.home().equals(m.self) && d.hub(r.home()).isPresent() && registry.get(r.node().id()).isEmpty())
        .limit(MAX_RELAYS_ELSEWHERE)
        .map(r -> new HubMessage.Entry(r.node(), now))
        .toList();
  }

  /** How long the hub waits after a change of the mesh's hubs before it tells its nodes: more may follow. */
  static final long HUBS_CHANGED_DELAY_MS = 500;
  private final java.util.concurrent.atomic.AtomicBoolean hubsToTell = new java.util.concurrent.atomic.AtomicBoolean();

  /** Tells the nodes registered here the mesh's hubs a batch at a time. */
  private final PacedBroadcast<NodeSession> hubsBroadcast = new PacedBroadcast<>(this::later);

  /** Runs the task on the hub's timer after a while; nothing once the hub is stopping. */
  private void later(Runnable task, java.time.Duration after) {
    try {
      timer.schedule(task, after.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the hub is stopping
    }
  }

  /** Tells every node registered here the mesh's hubs now: its fallbacks. */
  private void tellHubs() {
    hubsToTell.set(false);
    Optional<HubMessage.Hubs> hubs = meshHubs();
    if (hubs.isEmpty()) {
      return;
    }
    hubsBroadcast.start(registry.sessions(), s -> {
      try {
        s.send(hubs.get());
      } catch (java.io.IOException e) {
        // that session is ending
      }
    });
  }

  @Override
  public Optional<HubMessage.Hubs> meshHubs() {
    MeshDirectory d = directory();
    if (d == null) {
      return Optional.empty();
    }
    List<HubMessage.HubRef> hubs = d.hubs().stream().limit(HubMessage.Hubs.MAX)
        .map(h -> new HubMessage.HubRef(h.id(), h.address())).toList();
    return hubs.isEmpty() ? Optional.empty() : Optional.of(new HubMessage.Hubs(hubs));
  }

  /** Sends a node registered here a message, if it still is. */
  private Forwarding.Delivery tell(NodeId node, HubMessage m) {
    Optional<Registry.Registration> r = registry.get(node);
    if (r.isEmpty()) {
      return Forwarding.Delivery.NOT_REGISTERED;
    }
    try {
      r.get().session().send(m);
      return Forwarding.Delivery.SENT;
    } catch (java.io.IOException e) {
      return Forwarding.Delivery.NOT_READING;
    }
  }

  @Override
  public Map<String, Long> meshCounters() {
    HubMesh m = mesh;
    if (m == null) {
      return Map.of();
    }
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    out.put("forwarded", m.forwarding.forwarded());
    out.put("delivered", m.forwarding.delivered());
    out.put("refused-senders", m.forwarding.refusedSenders());
    out.put("refused-returns", m.forwarding.refusedReturns());
    out.put("malformed-links", m.links.malformed());
    out.put("standing-by", (long) standbys.size());
    out.put("silent-hubs", silentHubs.sum());
    MeshDirectory d = m.directory();
    if (d != null) {
      out.putAll(d.counters());
    }
    return out;
  }

  @Override
  public String directoryState() {
    HubMesh m = mesh;
    return m == null ? "not open: the hub has no endpoint yet" : m.directory.state();
  }

  /** The nodes registered with this hub now may open the peer protocol to it too. */
  @Override
  public CompletionStage<Boolean> vouchesFor(NodeId peer) {
    return CompletableFuture.completedFuture(registry.get(peer).isPresent());
  }

  @Override
  public boolean admits(NodeId peer) {
    MeshDirectory d = directory();
    boolean yes = open || allowed.contains(peer) || (d != null && d.allows(peer));
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
    MeshDirectory d = directory();
    if (d != null) {
      d.left(node);
    }
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
  public void standingBy(NodeSession session) {
    standbys.add(session);
  }

  @Override
  public void noLongerStandingBy(NodeSession session) {
    standbys.remove(session);
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
    NodeId source = from.get().node().id();
    Optional<Registry.Registration> to = registry.get(destination);
    if (to.isEmpty()) {
      passOn(source, destination, packet); // homed at another hub of the mesh, perhaps
      return;
    }
    Optional<InetSocketAddress> address = to.flatMap(r -> r.node().observedAddress());
    if (address.isEmpty()) {
      relay.drop(RelayAccounting.UNKNOWN_DESTINATION);
      return;
    }
    if (relay.admit(source, destination, packet.remaining(), System.nanoTime()) == null) {
      out.forward(address.get(), to.get().relayKey(), source, packet);
    }
  }

  /** A packet from a node here for one the directory homes at another hub: to that hub, one hop. */
  private void passOn(NodeId source, NodeId destination, ByteBuffer packet) {
    HubMesh m = mesh;
    MeshDirectory d = m == null ? null : m.directory();
    NodeId home = d == null ? null : d.node(destination).map(HomedNode::home).orElse(null);
    InetSocketAddress hub = home == null || home.equals(m.self) ? null : d.hubAddress(home).orElse(null);
    if (hub == null) {
      relay.drop(RelayAccounting.UNKNOWN_DESTINATION);
      return;
    }
    if (relay.admit(source, destination, packet.remaining(), System.nanoTime()) != null) {
      return; // over the node's limits: counted
    }
    byte[] key = m.links.passKeyTo(home, hub);
    if (key == null) {
      relay.drop(RelayAccounting.HUB_LINK_OPENING);
      return;
    }
    m.endpoint.passToRelay(hub, key, source, destination, packet);
  }

  @Override
  public byte[] passKey(InetSocketAddress sender) {
    HubMesh m = mesh;
    HubLinks.PassKey k = m == null ? null : m.links.passKeyFrom(sender);
    return k == null ? null : k.key();
  }

  /**
   * A packet another hub passed on, from a node homed there to one registered here: delivered if
   * the directory homes its source at that hub (a hub relays for its own nodes only).
   */
  @Override
  public void passed(InetSocketAddress sender, NodeId source, NodeId destination, ByteBuffer packet, Forwarder out) {
    HubMesh m = mesh;
    HubLinks.PassKey k = m == null ? null : m.links.passKeyFrom(sender);
    MeshDirectory d = m == null ? null : m.directory();
    if (k == null || d == null || d.node(source).filter(r -> r.home().equals(k.hub())).isEmpty()) {
      relay.drop(RelayAccounting.NOT_THE_SOURCES_HUB);
      return;
    }
    Optional<Registry.Registration> to = registry.get(destination);
    Optional<InetSocketAddress> address = to.flatMap(r -> r.node().observedAddress());
    if (address.isEmpty()) {
      relay.drop(RelayAccounting.UNKNOWN_DESTINATION);
      return;
    }
    relay.passed(source, destination, packet.remaining());
    out.forward(address.get(), to.get().relayKey(), source, packet);
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

  @Override
  public void logNode(String message, Object... args) {
    log.debug(message, args);
  }

  /** Nodes take their hub for their STUN server: a hub answers STUN on its own port. */
  @Override
  public String requester() {
    return "the hub";
  }
}
