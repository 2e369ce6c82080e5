package io.macula.nat.peer.internal;

import io.macula.nat.api.HostPort;
import io.macula.nat.api.HubRelay;
import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeDirectory;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerAdmission;
import io.macula.nat.api.PeerRelayService;
import io.macula.nat.api.PeerStream;
import io.macula.nat.api.RelayDirectory;
import io.macula.nat.api.SignalListener;
import io.macula.nat.api.Signalling;
import io.macula.nat.hub.protocol.HubCodec;
import io.macula.nat.hub.protocol.HubMessage;
import io.macula.nat.peer.api.HubSession;
import io.macula.nat.stun.api.StunClient;
import io.macula.nat.stun.api.StunServerAddress;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.PacketCarrier;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import io.macula.nat.turn.api.TurnServerOffer;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
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
 * The node's session with its hub: connects out, registers, keeps the session alive through NAT
 * idle timeouts, and when the hub goes away registers with the hub it stands by at ({@link
 * StandbyHub}), or reconnects with backoff and registers again. It is also the node directory the
 * negotiator asks, and the way strategies signal other nodes.
 */
@Component(
    service = {HubSession.class, Signalling.class, HubRelay.class, NodeDirectory.class, PeerAdmission.class,
        RelayDirectory.class},
    configurationPid = HubSessionComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = HubSessionComponent.Config.class)
public final class HubSessionComponent implements HubSession, NodeDirectory, PeerAdmission, RelayDirectory {
  static final String PID = "io.macula.nat.peer";

  private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(3);
  /** How long a hub may take to answer a registration: longer than it takes for a handshake, under load. */
  static final Duration REGISTER_ANSWER = Duration.ofSeconds(10);
  static final Duration MIN_LIST_INTERVAL = Duration.ofMillis(500);
  /**
   * A hub whose connection passes packets but that answers no ping for this many times the silence
   * that ends a session (30 s by default) is taken for lost: pongs may wait seconds behind relayed
   * traffic, never that long.
   */
  static final int UNANSWERED_FACTOR = 10;
  /**
   * How many pongs the hub is asked for within the time it may leave them unanswered: one lost or
   * late is no loss of the hub. The keep-alive ticks between ask its QUIC alone.
   */
  static final int PINGS_PER_UNANSWERED = 3;
  /** The most nodes a node list holds here, however many pages the hub sends. */
  static final int MAX_LISTED = 65_536;

  // A double underscore in a method name gives an underscore in the key (a single one, a dot).
  @ObjectClassDefinition(name = "Macula NAT hub session", description = "This node's hub.")
  public @interface Config {
    @AttributeDefinition(description = "The hub: NODEID@host:port. More hubs of the mesh, after it (separated by"
        + " commas), are the ones the node moves to when its hub fails, before those the mesh's directory names.")
    String hub();

    @AttributeDefinition(
        required = false,
        description = "Addresses (host:port) to report; by default the endpoint's, or every"
            + " interface's with the endpoint's port when it is bound to all.")
    String[] reported() default {};

    @AttributeDefinition(min = "100", description = "Milliseconds between keep-alives to the hub.")
    long keepalive__ms() default 1000;

    @AttributeDefinition(
        min = "1",
        description = "Keep-alive intervals with nothing heard from the hub before the session is"
            + " taken as lost.")
    int keepalive__misses() default 3;
  }

  private final Logger log;
  private final Endpoint endpoint;
  /** The hubs it may home at; the one it has now is the current one. */
  private final HubCandidates hubs;
  private final List<InetSocketAddress> reported;
  /**
   * What this node offers the hub's relay directory (while its relay service is there), sent after
   * each registration and whenever it changes; null when it offers nothing.
   */
  private volatile HubMessage.RelayOffer relayOffer;
  private final Duration keepalive;
  private final int misses;
  private final List<SignalListener> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService timer;
  private final ExecutorService deliveries;
  private final Thread sessionThread;
  /** A session that stands by at a fallback hub, to register on when this one fails. */
  private final StandbyHub standby;
  private final AtomicLong nonces = new AtomicLong();
  private final Map<NodeId, NodeDescriptor> known = new ConcurrentHashMap<>();
  /** The pages of the node list the hub is sending; the session thread only. */
  private final List<NodeDescriptor> listing = new ArrayList<>();

  private volatile boolean running = true;
  private volatile Live live;
  private volatile InetSocketAddress observed;
  /** The hub's TURN server and credentials the hub made for this node, as last sent. */
  private volatile TurnServerOffer turnServer;
  private volatile NatBehavior nat = NatBehavior.UNKNOWN;
  private volatile CompletableFuture<List<NodeDescriptor>> pendingList =
      CompletableFuture.completedFuture(List.of());
  private long listAsked; // guarded by this
  /** Lookups the hub has not answered yet, by the node asked about: each answer completes its wait. */
  private final Map<NodeId, CompletableFuture<Optional<NodeDescriptor>>> lookups = new ConcurrentHashMap<>();
  /** Lookups that may wait for the hub at once; past that, a lookup takes the last known. */
  static final int MAX_LOOKUPS = 256;
  /** Nodes the hub forwarded a signal from lately: registered with it, so admitted. */
  private final RecentNodes signalled = new RecentNodes(1024);

  /** A session that is up: its connection and stream, and whether it runs over TCP (UDP got no answer). */
  private record Live(QuicConnection connection, PeerStream stream, boolean overTcp) {}

  /** How a session reads the hub's messages: from its stream, or from a standby's inbox. */
  private interface Messages {
    /** The next message; empty at the end of the session. */
    Optional<HubMessage> next() throws IOException;
  }

  /** How long a node told its hub left the mesh waits for the hub to answer a ping before it moves. */
  static final Duration GONE_CHECK = Duration.ofSeconds(1);
  /** How many of those checks ended. */
  final java.util.concurrent.atomic.AtomicInteger goneChecks = new java.util.concurrent.atomic.AtomicInteger();

  /** How long UDP to the hub may stay unanswered before the session tries TCP. */
  static final Duration UDP_ANSWER = Duration.ofSeconds(3);
  /** How often a session over TCP checks whether UDP to the hub works again. */
  static final Duration UDP_RETRY = Duration.ofSeconds(30);

  /** The session was ended on purpose (to go back to UDP): the next one is with the same hub, at once. */
  private volatile boolean sameHubAgain;

  /** How the session reaches the hub now, or what the last try met: what nat:id shows. */
  private volatile String transport = "none: not connected yet";

  /** Keys this configuration had once, now the relay's own (io.macula.nat.relay). */
  static final List<String> MOVED_TO_RELAY =
      List.of("offers_relay", "relay_max_pairs", "relay_bytes_per_second", "relay_packets_per_second");

  @Activate
  public HubSessionComponent(
      Config config,
      Map<String, Object> properties,
      @Reference Endpoint endpoint,
      @Reference(service = LoggerFactory.class) Logger log) {
    this.log = log;
    for (String key : MOVED_TO_RELAY) {
      if (properties.containsKey(key)) {
        log.warn("{}: key '{}' is ignored: the relay's keys are in io.macula.nat.relay now", PID, key);
      }
    }
    this.endpoint = endpoint;
    this.hubs = new HubCandidates(HubAddress.parseList(PID + ": key 'hub'", config.hub()));
    this.reported = config.reported().length > 0
        ? parseReported(config.reported())
        : defaultReported(endpoint.localAddress());
    if (config.keepalive__ms() < 100) {
      throw new IllegalArgumentException(PID + ": key 'keepalive_ms' must be at least 100");
    }
    this.keepalive = Duration.ofMillis(config.keepalive__ms());
    this.misses = Math.max(1, config.keepalive__misses());
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "nat-hub-keepalive"));
    this.deliveries = Executors.newSingleThreadExecutor(r -> daemon(r, "nat-hub-signals"));
    this.standby = new StandbyHub(endpoint, this::hubGone, log, keepalive, misses);
    this.sessionThread = daemon(this::run, "nat-hub-session");
    sessionThread.start();
  }

  @Deactivate
  void deactivate() {
    running = false;
    sessionThread.interrupt();
    Live l = live;
    if (l != null) {
      l.connection().close();
    }
    standby.close();
    timer.shutdownNow();
    deliveries.shutdownNow();
    endpoint.distrustRelay(hub().address()); // a node that leaves this hub takes nothing more from it
  }

  // Dynamic: the STUN component takes the hub session's context, so neither waits for the other.
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile StunClient stun;

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void addListener(SignalListener l) {
    listeners.add(l);
  }

  void removeListener(SignalListener l) {
    listeners.remove(l);
  }

  /**
   * Keeps a session with a hub: the current one while it answers; when it fails, the next one at
   * once, and so on round the hubs, waiting longer after each round in which none answered.
   */
  private void run() {
    Duration backoff = FIRST_BACKOFF;
    int failedInRound = 0;
    Optional<StandbyHub.Standing> ready = Optional.empty();
    while (running) {
      HubAddress hub = hubs.current();
      boolean wasUp = false;
      try {
        session(hub, ready);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        log.debug("hub {} unreachable: {}", hub.address(), e.toString());
      } finally {
        ready.ifPresent(r -> r.connection().close()); // closed already, unless registering on it failed
        ready = Optional.empty();
        Live l = live;
        live = null;
        pendingList.complete(List.copyOf(known.values())); // no answer comes on a lost session
        answerLookupsFromKnown();
        if (l != null) {
          wasUp = true;
          l.connection().close();
          transport = "none: the session was lost; reconnecting";
          log.info("hub session with {} lost; reconnecting", hub.address());
        }
      }
      if (wasUp) {
        backoff = FIRST_BACKOFF; // the session was up: the next try starts soon
        failedInRound = 0;
      }
      if (sameHubAgain) {
        sameHubAgain = false;
        continue; // ended on purpose, to reach the same hub another way
      }
      if (hubs.size() > 1) {
        // Another hub takes over: the one that failed keeps none of this node's trust. The one
        // the node stands by at first, on the connection that is up already.
        ready = standby.take();
        HubAddress next = ready.isPresent() ? hubs.moveTo(ready.get().hub()) : hubs.next();
        endpoint.distrustRelay(hub.address());
        failedInRound++;
        if (failedInRound < hubs.size()) {
          log.info("hub {} failed; trying hub {} at {}", hub.id().shortForm(), next.id().shortForm(), next.address());
          continue;
        }
        failedInRound = 0; // a whole round without a session: wait before the next
      }
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    }
  }

  /**
   * Connects to the hub over UDP, or, when UDP gets no answer, over TCP (QUIC packets in
   * length-prefixed frames on one TCP connection): where UDP is blocked, the node still registers.
   */
  private QuicConnection connect(HubAddress hub) throws Exception {
    var udp = endpoint.connect(hub.id(), new TransportPath.Direct(hub.address()), Endpoint.HUB_PROTOCOL);
    try {
      QuicConnection c = udp.get(UDP_ANSWER.toMillis(), TimeUnit.MILLISECONDS);
      transport = "udp";
      return c;
    } catch (java.util.concurrent.TimeoutException e) {
      udp.cancel(true);
    }
    String why = "UDP to " + hubText() + " got no answer within " + UDP_ANSWER.toSeconds() + " s";
    try {
      PacketCarrier stream = endpoint.connectStream(hub.address()).get(10, TimeUnit.SECONDS);
      QuicConnection c = endpoint
          .connect(hub.id(), new TransportPath.Carried(stream, hub.address()), Endpoint.HUB_PROTOCOL)
          .get(10, TimeUnit.SECONDS);
      transport = "tcp (" + why + ")";
      return c;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      transport = "none: UDP and TCP to " + hubText() + " failed (" + why + "; TCP: " + cause.getMessage() + ")";
      throw e;
    }
  }

  private HubAddress hub() {
    return hubs.current();
  }

  private String hubText() {
    return new HostPort(hub().address().getAddress().getHostAddress(), hub().address().getPort()).toString();
  }

  /** One session, from connect (or the standby that is {@code ready}) to its end. */
  private void session(HubAddress hub, Optional<StandbyHub.Standing> ready) throws Exception {
    QuicConnection c;
    PeerStream stream;
    Messages messages;
    if (ready.isPresent()) {
      c = ready.get().connection();
      stream = ready.get().stream();
      messages = ready.get().inbox()::next;
      transport = "udp (stood by at this hub)";
    } else {
      c = connect(hub);
      stream = c.openStream();
      java.io.InputStream in = stream.input();
      messages = () -> HubCodec.read(in);
    }
    boolean overTcp = c.path() instanceof TransportPath.Carried;
    NatBehavior registeredNat = nat;
    HubCodec.write(stream.output(), new HubMessage.Register(reported, relayOffer != null, registeredNat));
    // A hub that died since it answered (the one stood by at, say) must not hold the node for good.
    java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();
    var unanswered = timer.schedule(() -> {
      if (!answered.get()) {
        c.close();
        stream.close();
      }
    }, REGISTER_ANSWER.toMillis(), TimeUnit.MILLISECONDS);
    Optional<HubMessage> answer;
    try {
      do { // a standby's pong or news may still be on its way
        answer = messages.next();
      } while (answer.isPresent() && (answer.get() instanceof HubMessage.Pong || answer.get() instanceof HubMessage.HubGone));
    } finally {
      answered.set(true);
      unanswered.cancel(false);
    }
    if (answer.isEmpty() || !(answer.get() instanceof HubMessage.Registered registered)) {
      c.close();
      throw new IOException("the hub answered registration with " + answer.orElse(null));
    }
    observed = registered.observed();
    endpoint.trustRelay(hub.address(), registered.relayKey()); // over TCP too: the relay's frames go on the stream
    listing.clear(); // pages a lost session left half sent
    Live l = new Live(c, stream, overTcp);
    live = l;
    standby.keep(hubs.fallbacks());
    if (nat != registeredNat) {
      // Discovered while the registration was on its way: reportNat found no session to tell.
      send(l, new HubMessage.NatReport(nat));
    }
    HubMessage.RelayOffer offer = relayOffer;
    if (offer != null) {
      send(l, offer);
    }
    log.info("registered with hub {} at {}; it sees this node at {}", hub.id().shortForm(), hub.address(), observed);
    Heard lastHeard = new Heard(c);
    java.util.concurrent.atomic.AtomicLong ticks = new java.util.concurrent.atomic.AtomicLong();
    var pinger = timer.scheduleAtFixedRate(() -> keepAlive(l, lastHeard, ticks.getAndIncrement()),
        keepalive.toMillis(), keepalive.toMillis(), TimeUnit.MILLISECONDS);
    var udpCheck = overTcp ? timer.scheduleWithFixedDelay(() -> retryUdp(l),
        UDP_RETRY.toMillis(), UDP_RETRY.toMillis(), TimeUnit.MILLISECONDS) : null;
    try {
      for (Optional<HubMessage> m; (m = messages.next()).isPresent(); ) {
        lastHeard.answered();
        handle(m.get());
      }
    } finally {
      pinger.cancel(false);
      if (udpCheck != null) {
        udpCheck.cancel(false);
      }
    }
  }

  /**
   * While the session runs over TCP: asks the hub's STUN server over UDP; once it answers, the
   * session ends and the next one, UDP first, goes back to UDP.
   */
  private void retryUdp(Live l) {
    StunClient s = stun;
    if (s == null || live != l) {
      return;
    }
    s.binding(StunServerAddress.of(hub().address())).thenRun(() -> {
      if (live == l) {
        log.info("UDP to hub {} answers again: the session moves back to UDP", hub().address());
        sameHubAgain = true;
        l.connection().close();
      }
    });
  }

  /**
   * The hub this node stands by at says {@code gone} left the mesh's directory, or went silent to
   * it. If that is this node's hub, it is asked for a pong: a hub that sends nothing within {@link
   * #GONE_CHECK} is taken for lost now, not once the keep-alives notice (a hub out of the directory,
   * or out of the other hub's reach, that still serves keeps its node).
   */
  private void hubGone(NodeId gone) {
    Live l = live;
    if (l == null || !gone.equals(hub().id())) {
      return;
    }
    long heard = l.connection().bytesReceived();
    send(l, new HubMessage.Ping(nonces.incrementAndGet()));
    try {
      timer.schedule(() -> {
        if (live == l && l.connection().bytesReceived() == heard) {
          log.info("hub {} left the mesh or went silent, and sent nothing for {} ms", gone.shortForm(), GONE_CHECK.toMillis());
          l.connection().close(); // ends the read loop: the session moves on
          l.stream().close();
        }
        goneChecks.incrementAndGet();
      }, GONE_CHECK.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the session is stopping
    }
  }

  /**
   * One keep-alive tick: a session silent too long, or whose hub answered nothing for far longer,
   * ends; else the hub's QUIC is asked for an acknowledgement (what arrives shows in the silence),
   * and {@link #PINGS_PER_UNANSWERED} times within the unanswered time the hub itself for a pong
   * (what it answers shows there). A pong each tick cost the hub a message to read and one to
   * write, and its acknowledgement one more datagram to read, for each of its nodes every second.
   */
  private void keepAlive(Live l, Heard lastHeard, long tick) {
    long silentFor = lastHeard.silence();
    long unanswered = lastHeard.unanswered();
    if (silentFor > keepalive.toNanos() * misses
        || unanswered > keepalive.toNanos() * misses * UNANSWERED_FACTOR) {
      log.info("hub {} silent for {} ms, no answer for {} ms", hub().address(), silentFor / 1_000_000,
          unanswered / 1_000_000);
      l.connection().close(); // ends the read loop: the session reconnects
      l.stream().close();
      return;
    }
    if (tick % Math.max(1, misses * UNANSWERED_FACTOR / PINGS_PER_UNANSWERED) == 0) {
      send(l, new HubMessage.Ping(nonces.incrementAndGet()));
    } else {
      l.connection().keepAlive();
    }
  }

  private void handle(HubMessage m) {
    if (m instanceof HubMessage.Nodes n) {
      n.nodes().stream().limit(Math.max(0, MAX_LISTED - listing.size())).forEach(e -> listing.add(e.node()));
      if (n.more()) {
        return; // the list goes on in the next page
      }
      List<NodeDescriptor> nodes = List.copyOf(listing);
      listing.clear();
      known.clear();
      nodes.forEach(d -> known.put(d.id(), d));
      pendingList.complete(nodes);
    } else if (m instanceof HubMessage.Found f) {
      Optional<NodeDescriptor> node = f.entry().map(HubMessage.Entry::node);
      node.ifPresentOrElse(d -> known.put(d.id(), d), () -> known.remove(f.node()));
      CompletableFuture<Optional<NodeDescriptor>> waiting = lookups.remove(f.node());
      if (waiting != null) {
        waiting.complete(node);
      }
    } else if (m instanceof HubMessage.Signal s) {
      signalled.add(s.peer());
      deliveries.execute(() -> listeners.forEach(l -> {
        try {
          l.signal(s.peer(), s.payload());
        } catch (RuntimeException e) {
          log.warn("signal listener {} failed", l, e);
        }
      }));
    } else if (m instanceof HubMessage.Ping p) {
      Live l = live;
      if (l != null) {
        send(l, new HubMessage.Pong(p.nonce()));
      }
    } else if (m instanceof HubMessage.Refused r) {
      log.warn("the hub refused: {}", r.reason());
      // A list or lookup asked too often gets this instead of an answer: what waits takes the last known.
      pendingList.complete(List.copyOf(known.values()));
      answerLookupsFromKnown();
    } else if (m instanceof HubMessage.Hubs h) {
      List<HubAddress> learned = new ArrayList<>();
      for (HubMessage.HubRef r : h.hubs()) {
        try {
          learned.add(new HubAddress(r.id(), HostPort.parseRemote(r.address()).resolved()));
        } catch (IllegalArgumentException e) {
          log.debug("the hub named hub {} at '{}', which is not an address here: {}", r.id(), r.address(), e.getMessage());
        }
      }
      hubs.learned(learned);
      if (live != null) {
        standby.keep(hubs.fallbacks());
      }
    } else if (m instanceof HubMessage.TurnCredentials t) {
      turnServer = new TurnServerOffer(t.uri(), t.username(), t.password(),
          Instant.ofEpochSecond(t.expiresEpochSeconds()));
    }
  }

  private void send(Live l, HubMessage m) {
    synchronized (l) {
      try {
        HubCodec.write(l.stream().output(), m);
      } catch (IOException e) {
        l.connection().close();
      }
    }
  }

  @Override
  public NodeId hubId() {
    return hub().id();
  }

  @Override
  public List<NodeId> fallbackHubs() {
    return hubs.fallbacks().stream().map(HubAddress::id).toList();
  }

  @Override
  public Optional<NodeId> standbyHub() {
    return standby.hub();
  }

  @Override
  public InetSocketAddress hubAddress() {
    return hub().address();
  }

  @Override
  public boolean isConnected() {
    Live l = live;
    return l != null && l.connection().isOpen();
  }

  @Override
  public Optional<InetSocketAddress> relayAddress() {
    return isConnected() ? Optional.of(hub().address()) : Optional.empty();
  }

  @Override
  public Optional<String> whyNoRelay() {
    return isConnected() ? Optional.empty()
        : Optional.of("no session with the hub: " + transport.replaceFirst("^none: ", ""));
  }

  @Override
  public String transport() {
    return transport;
  }

  @Override
  public Optional<InetSocketAddress> observedAddress() {
    return Optional.ofNullable(observed);
  }

  @Override
  public Optional<TurnServerOffer> turnServer() {
    return Optional.ofNullable(turnServer);
  }

  @Override
  public List<NodeDescriptor> nodes() {
    Live l = live;
    if (l == null) {
      return List.copyOf(known.values());
    }
    try {
      return recentList(l).get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return List.copyOf(known.values());
    }
  }

  /**
   * The node list answered less than {@link #MIN_LIST_INTERVAL} ago, else the next one: rapid
   * askers (hub:nodes, the relay list) must not outrun the lists the hub allows (two a second after
   * a burst of four). A connect looks its one peer up instead ({@link #find}).
   */
  private CompletableFuture<List<NodeDescriptor>> recentList(Live l) {
    synchronized (this) {
      return pendingList.isDone() && System.nanoTime() - listAsked < MIN_LIST_INTERVAL.toNanos()
          ? pendingList : askForList(l);
    }
  }

  /** The next node list the hub sends; asks for one unless a question is out already. Never blocks. */
  private CompletableFuture<List<NodeDescriptor>> askForList(Live l) {
    CompletableFuture<List<NodeDescriptor>> answer;
    synchronized (this) {
      if (!pendingList.isDone()) {
        return pendingList;
      }
      answer = new CompletableFuture<>();
      pendingList = answer;
      listAsked = System.nanoTime();
    }
    timer.execute(() -> send(l, new HubMessage.ListNodes()));
    return answer;
  }

  /**
   * What the hub knows of one node now: one entry, where the node list grows with the mesh. A
   * lookup of a node already asked about waits for the same answer; at most {@link #MAX_LOOKUPS}
   * wait at once (a stranger connecting over and over must not make this node flood its hub).
   */
  private CompletableFuture<Optional<NodeDescriptor>> lookup(Live l, NodeId node) {
    CompletableFuture<Optional<NodeDescriptor>> answer = new CompletableFuture<>();
    CompletableFuture<Optional<NodeDescriptor>> asked = lookups.putIfAbsent(node, answer);
    if (asked != null) {
      return asked;
    }
    if (lookups.size() > MAX_LOOKUPS) {
      lookups.remove(node, answer);
      return CompletableFuture.completedFuture(Optional.ofNullable(known.get(node)));
    }
    // An answer that never comes (a hub that refused it) frees its place.
    answer.whenComplete((r, e) -> lookups.remove(node, answer));
    timer.execute(() -> send(l, new HubMessage.Lookup(node)));
    return answer.completeOnTimeout(Optional.ofNullable(known.get(node)), ANSWER_TIMEOUT.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** No answer comes to the lookups waiting now: each takes what the last list or lookup said. */
  private void answerLookupsFromKnown() {
    for (NodeId node : List.copyOf(lookups.keySet())) {
      CompletableFuture<Optional<NodeDescriptor>> waiting = lookups.remove(node);
      if (waiting != null) {
        waiting.complete(Optional.ofNullable(known.get(node)));
      }
    }
  }

  /**
   * The hub vouches for a peer it has registered: known from its last node list or lookup, or from
   * a signal it forwarded, else looked up.
   */
  @Override
  public CompletionStage<Boolean> vouchesFor(NodeId peer) {
    if (peer.equals(hub().id()) || known.containsKey(peer) || signalled.contains(peer)) {
      return CompletableFuture.completedFuture(true);
    }
    Live l = live;
    if (l == null) {
      return CompletableFuture.completedFuture(false);
    }
    return lookup(l, peer).thenApply(Optional::isPresent);
  }

  @Override
  public void reportNat(NatBehavior discovered) {
    nat = java.util.Objects.requireNonNull(discovered, "discovered");
    Live l = live;
    if (l != null) {
      send(l, new HubMessage.NatReport(discovered));
    }
  }

  @Override
  public void signal(NodeId to, byte[] payload) {
    if (payload.length > MAX_PAYLOAD) {
      throw new IllegalArgumentException("a signal carries at most " + MAX_PAYLOAD + " bytes, not " + payload.length);
    }
    Live l = live;
    if (l == null) {
      throw new IllegalStateException("no hub session");
    }
    send(l, new HubMessage.Signal(to, payload));
  }

  @Override
  public NodeDescriptor self() {
    return new NodeDescriptor(
        endpoint.localId(), reported, Optional.ofNullable(observed), nat, relayOffer != null);
  }

  /** Asked of the hub each time (a connect's peer may have registered, moved or left since); the last known without a hub. */
  @Override
  public Optional<NodeDescriptor> find(NodeId node) {
    Live l = live;
    if (l == null) {
      return Optional.ofNullable(known.get(node));
    }
    try {
      return lookup(l, node).get(ANSWER_TIMEOUT.toMillis() + 100, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.ofNullable(known.get(node));
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return Optional.ofNullable(known.get(node));
    }
  }

  /** The relay service of this node, when it offers to relay: the hub lists it from now on. */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY, updated = "updatedRelayService")
  void bindRelayService(PeerRelayService service) {
    offerRelay(relayOffer(service));
  }

  /** The operator changed the relay's limits: the hub hears the new offer. */
  void updatedRelayService(PeerRelayService service) {
    offerRelay(relayOffer(service));
  }

  void unbindRelayService(PeerRelayService service) {
    offerRelay(HubMessage.RelayOffer.withdrawn());
  }

  /** Tells the hub of an offer (or its withdrawal) now if the session is up, and with every registration after. */
  private void offerRelay(HubMessage.RelayOffer offer) {
    relayOffer = offer.maxPairs() > 0 ? offer : null;
    Live l = live;
    if (l != null && running) {
      try {
        timer.execute(() -> send(l, offer));
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        // the session is ending: the hub drops its offer with it
      }
    }
  }

  /** The offer a relay service makes, within what the hub protocol carries. */
  static HubMessage.RelayOffer relayOffer(PeerRelayService service) {
    return new HubMessage.RelayOffer(Math.min(Math.max(service.maxPairs(), 1), HubMessage.RelayOffer.MAX_PAIRS),
        Math.max(service.bytesPerSecond(), 1), Math.max(service.packetsPerSecond(), 1));
  }

  @Override
  public List<NodeDescriptor> relays() {
    NodeId self = endpoint.localId();
    return nodes().stream().filter(d -> d.offersRelay() && !d.id().equals(self)).toList();
  }

  static List<InetSocketAddress> parseReported(String[] values) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String v : values) {
      for (String one : v.split("[,\\s]+")) {
        if (!one.isBlank()) {
          try {
            out.add(HostPort.parseRemote(one).resolved());
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PID + ": key 'reported': " + e.getMessage(), e);
          }
        }
      }
    }
    if (out.size() > HubCodec.MAX_ADDRESSES) {
      throw new IllegalArgumentException(PID + ": key 'reported': " + out.size() + " addresses; at most "
          + HubCodec.MAX_ADDRESSES);
    }
    return out;
  }

  /** The endpoint's address; bound to all, every interface's IPv4 address with its port. */
  static List<InetSocketAddress> defaultReported(InetSocketAddress bound) {
    if (!bound.getAddress().isAnyLocalAddress()) {
      return List.of(bound);
    }
    List<InetSocketAddress> out = new ArrayList<>();
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nif.isUp() || nif.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          if (a instanceof Inet4Address) {
            out.add(new InetSocketAddress(a, bound.getPort()));
          }
        }
      }
    } catch (SocketException e) {
      // no interfaces to report
    }
    // A host with more interfaces reports the first ones: the hub takes no more.
    return out.size() > HubCodec.MAX_ADDRESSES ? List.copyOf(out.subList(0, HubCodec.MAX_ADDRESSES)) : out;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public String toString() {
    return "hub session with " + hub().address() + (isConnected() ? " (up)" : " (down)") + " "
        + String.valueOf(observed).toLowerCase(Locale.ROOT);
  }
}
