package io.macula.nat.peer.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import io.macula.nat.hub.protocol.HubCodec;
import io.macula.nat.hub.protocol.HubMessage;
import io.macula.nat.testing.Eventually;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.PacketCarrier;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

/**
 * The hub session against a hub the test plays on the session's own stream: registration, the
 * relay key, node lists in pages, signals, and a hub gone silent taken for lost and reconnected.
 */
class HubSessionComponentTest {
  private static final NodeId HUB = node(9);
  private static final NodeId SELF = node(1);
  private static final InetSocketAddress HUB_AT = new InetSocketAddress("203.0.113.10", 7400);
  private static final InetSocketAddress SEEN_AT = new InetSocketAddress("198.51.100.7", 40000);

  private static final NodeId HUB2 = node(8);
  private static final InetSocketAddress HUB2_AT = new InetSocketAddress("203.0.113.11", 7400);
  private static final String TWO_HUBS = HUB + "@" + HUB_AT.getHostString() + ":" + HUB_AT.getPort() + ","
      + HUB2 + "@" + HUB2_AT.getHostString() + ":" + HUB2_AT.getPort();

  /**
   * One session's stream, as the hub sees it, and where the node connected to; when the node
   * connected and last began a write, by the node's own clock reads (the test's thread may wake late).
   */
  private record HubSide(InputStream in, OutputStream out, AtomicLong bytesToNode, TransportPath path,
      long connectedNanos, AtomicLong nodeWroteNanos, AtomicLong keepAlives, AtomicLong keepAlivesAtLastWrite,
      AtomicBoolean acknowledges) {
    HubMessage read() throws IOException {
      return HubCodec.read(in).orElseThrow();
    }

    void write(HubMessage m) throws IOException {
      HubCodec.write(out, m);
      bytesToNode.addAndGet(64);
    }
  }

  private final BlockingQueue<HubSide> sessions = new LinkedBlockingQueue<>();
  private final AtomicReference<byte[]> trustedKey = new AtomicReference<>();
  private HubSessionComponent session;

  @AfterEach
  void stop() {
    if (session != null) {
      session.deactivate();
    }
  }

  @Test
  void registersAndTrustsTheRelayWithTheKeyTheHubGave() throws Exception {
    session = start(60_000);
    HubSide hub = nextSession();
    HubMessage.Register register = assertInstanceOf(HubMessage.Register.class, hub.read());
    assertEquals(List.of(new InetSocketAddress("10.0.0.2", 4000)), register.reported());
    byte[] key = new byte[32];
    key[0] = 42;
    hub.write(new HubMessage.Registered(SEEN_AT, key));

    Eventually.until("registered", () -> session.isConnected());
    assertEquals(Optional.of(SEEN_AT), session.observedAddress());
    assertEquals(Optional.of(HUB_AT), session.relayAddress());
    assertArrayEquals(key, trustedKey.get());

    session.deactivate();
    assertEquals(null, trustedKey.get(), "a node that leaves its hub takes no more relayed packets from it");
    session = null;
  }

  /**
   * The node's relay, once its service is there, is offered to the hub with its limits, again when
   * they change, and withdrawn when it goes; a key of the relay's left in this configuration is
   * named in a warning.
   */
  @Test
  void theRelayServiceIsOfferedToTheHubAndWithdrawnAndAMovedKeyIsNamed() throws Exception {
    List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    Logger log = (Logger) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Logger.class},
        (p, m, a) -> {
          if (m.getName().equals("warn") && a != null && a.length == 3) {
            warnings.add(String.valueOf(a[0]).replaceFirst("\\{}", String.valueOf(a[1]))
                .replaceFirst("\\{}", String.valueOf(a[2])));
          }
          return m.getReturnType() == boolean.class ? false : null;
        });
    session = start(60_000, Map.of("offers_relay", true), log);
    assertEquals(List.of(HubSessionComponent.PID + ": key 'offers_relay' is ignored: the relay's keys are in"
        + " io.macula.nat.relay now"), warnings);
    HubSide hub = nextSession();
    assertEquals(false, assertInstanceOf(HubMessage.Register.class, hub.read()).offersRelay());
    hub.write(new HubMessage.Registered(SEEN_AT, new byte[32]));
    Eventually.until("registered", () -> session.isConnected());

    int[] pairs = {3};
    io.macula.nat.api.PeerRelayService relay = new io.macula.nat.api.PeerRelayService() {
      @Override
      public int maxPairs() {
        return pairs[0];
      }

      @Override
      public long bytesPerSecond() {
        return 5000;
      }

      @Override
      public long packetsPerSecond() {
        return 50;
      }
    };
    session.bindRelayService(relay);
    assertEquals(new HubMessage.RelayOffer(3, 5000, 50), nextOffer(hub));
    assertTrue(session.self().offersRelay());
    pairs[0] = 7;
    session.updatedRelayService(relay);
    assertEquals(new HubMessage.RelayOffer(7, 5000, 50), nextOffer(hub));
    session.unbindRelayService(relay);
    assertEquals(HubMessage.RelayOffer.withdrawn(), nextOffer(hub));
    assertEquals(false, session.self().offersRelay());
  }

  /** The next relay offer the hub gets, past keep-alives. */
  private static HubMessage.RelayOffer nextOffer(HubSide hub) throws Exception {
    while (true) {
      HubMessage m = hub.read();
      if (m instanceof HubMessage.RelayOffer o) {
        return o;
      }
    }
  }

  @Test
  void aNatFoundWhileTheRegistrationIsOnItsWayStillReachesTheHub() throws Exception {
    session = start(60_000);
    HubSide hub = nextSession();
    HubMessage.Register register = assertInstanceOf(HubMessage.Register.class, hub.read());
    assertEquals(NatBehavior.UNKNOWN, register.nat());

    session.reportNat(NatBehavior.NONE); // no session to tell yet
    hub.write(new HubMessage.Registered(SEEN_AT, new byte[32]));

    HubMessage.NatReport report = assertInstanceOf(HubMessage.NatReport.class, hub.read());
    assertEquals(NatBehavior.NONE, report.nat());
  }

  @Test
  void aNodeListInPagesIsOneList() throws Exception {
    session = start(60_000);
    HubSide hub = registered();
    CompletableFuture<List<NodeDescriptor>> listed = CompletableFuture.supplyAsync(() -> session.nodes());
    assertInstanceOf(HubMessage.ListNodes.class, hub.read());
    hub.write(new HubMessage.Nodes(List.of(entry(2)), true));
    hub.write(new HubMessage.Nodes(List.of(entry(3), entry(4)), false));
    assertEquals(List.of(node(2), node(3), node(4)),
        listed.get(5, TimeUnit.SECONDS).stream().map(NodeDescriptor::id).toList());
  }

  /** A connect asks the hub of its one peer: one entry, however many nodes the hub holds. */
  @Test
  void aLookupAsksTheHubOfTheOneNode() throws Exception {
    session = start(60_000);
    HubSide hub = registered();
    CompletableFuture<Optional<NodeDescriptor>> found = CompletableFuture.supplyAsync(() -> session.find(node(5)));
    assertEquals(new HubMessage.Lookup(node(5)), hub.read());
    hub.write(new HubMessage.Found(node(5), Optional.of(entry(5))));
    assertEquals(Optional.of(node(5)), found.get(5, TimeUnit.SECONDS).map(NodeDescriptor::id));

    CompletableFuture<Optional<NodeDescriptor>> absent = CompletableFuture.supplyAsync(() -> session.find(node(9)));
    assertEquals(new HubMessage.Lookup(node(9)), hub.read());
    hub.write(new HubMessage.Found(node(9), Optional.empty()));
    assertEquals(Optional.empty(), absent.get(5, TimeUnit.SECONDS));
    assertTrue(session.vouchesFor(node(5)).toCompletableFuture().get(5, TimeUnit.SECONDS),
        "the hub vouches for the node it found, without being asked again");
  }

  @Test
  void aNodeTheLastListHadIsAskedOfTheHubAgainAndIsGoneWhenItLeft() throws Exception {
    session = start(60_000);
    HubSide hub = registered();
    listOfNodeTwo(hub);

    CompletableFuture<Optional<NodeDescriptor>> found = CompletableFuture.supplyAsync(() -> session.find(node(2)));
    assertEquals(new HubMessage.Lookup(node(2)), hub.read());
    hub.write(new HubMessage.Found(node(2), Optional.empty())); // it left since the list
    assertEquals(Optional.empty(), found.get(5, TimeUnit.SECONDS));
  }

  /** A list of every node, which the hub answers with node 2 alone. */
  private void listOfNodeTwo(HubSide hub) throws Exception {
    CompletableFuture<List<NodeDescriptor>> listed = CompletableFuture.supplyAsync(() -> session.nodes());
    assertInstanceOf(HubMessage.ListNodes.class, hub.read());
    hub.write(new HubMessage.Nodes(List.of(entry(2)), false));
    listed.get(5, TimeUnit.SECONDS);
  }

  @Test
  void aLookupTheHubRefusesEndsTheWaitWithTheNodesLastKnown() throws Exception {
    session = start(60_000);
    HubSide hub = registered();
    listOfNodeTwo(hub);
    CompletableFuture<Optional<NodeDescriptor>> found = CompletableFuture.supplyAsync(() -> session.find(node(2)));
    assertEquals(new HubMessage.Lookup(node(2)), hub.read());
    hub.write(new HubMessage.Refused("lookups asked too often: at most 32.0 a second"));
    // Not the answer timeout's 3 s: the refusal ends the wait.
    assertEquals(Optional.of(node(2)), found.get(2, TimeUnit.SECONDS).map(NodeDescriptor::id));
  }

  @Test
  void aSignalReachesEveryListenerWithTheSenderTheHubNamed() throws Exception {
    session = start(60_000);
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    session.addListener((from, payload) -> got.add(from + " " + new String(payload)));
    HubSide hub = registered();
    hub.write(new HubMessage.Signal(node(2), "hello".getBytes()));
    assertEquals(node(2) + " hello", got.poll(5, TimeUnit.SECONDS));
  }

  @Test
  void whereUdpGetsNoAnswerTheSessionRunsOverTcpAndSaysWhy() throws Exception {
    udpBlocked = true;
    session = start(60_000);
    registered();
    assertTrue(session.transport().startsWith("tcp (UDP to " + HUB_AT.getHostString() + ":" + HUB_AT.getPort()
        + " got no answer within 3 s"), session.transport());
    assertEquals(Optional.of(HUB_AT), session.relayAddress(), "the hub relays over the stream too");
    assertEquals(Optional.empty(), session.whyNoRelay());
    assertTrue(trustedKey.get() != null, "the relay's key is trusted: its frames come on the stream");
  }

  @Test
  void aSilentHubIsTakenForLostAndTheSessionComesBack() throws Exception {
    session = start(100);
    HubSide first = registered();
    assertInstanceOf(HubMessage.Ping.class, first.read(), "a keep-alive");
    // The hub says nothing more: after three keep-alive intervals the session is lost.
    HubSide second = nextSession();
    assertInstanceOf(HubMessage.Register.class, second.read());
  }

  /**
   * Between the pings the hub answers, the session asks the hub's QUIC alone: a hub reads one
   * message a keep-alive tick fewer, and writes none, for each of its nodes.
   */
  @Test
  void betweenPingsTheSessionAsksOnlyTheHubsQuic() throws Exception {
    session = start(300);
    HubSide hub = registered();
    hub.acknowledges().set(true);
    HubMessage.Ping first = assertInstanceOf(HubMessage.Ping.class, hub.read(), "the first tick asks the hub");
    assertEquals(0, hub.keepAlivesAtLastWrite().get(), "no QUIC keep-alive before the first ping");
    hub.write(new HubMessage.Pong(first.nonce()));
    assertInstanceOf(HubMessage.Ping.class, hub.read(), "then again");
    // Counted as the node wrote the second ping (the same timer thread asks QUIC): three misses, as start() sets.
    int between = 3 * HubSessionComponent.UNANSWERED_FACTOR / HubSessionComponent.PINGS_PER_UNANSWERED - 1;
    assertEquals(between, hub.keepAlivesAtLastWrite().get(), "QUIC keep-alives in between");
  }

  @Test
  void aHubThatAcknowledgesButNeverAnswersIsTakenForLost() throws Exception {
    session = start(100);
    HubSide first = registered();
    // Its QUIC stack acknowledges every keep-alive; the hub itself answers none.
    ScheduledExecutorService acks = Executors.newSingleThreadScheduledExecutor();
    try {
      acks.scheduleAtFixedRate(() -> first.bytesToNode().addAndGet(40), 0, 50, TimeUnit.MILLISECONDS);
      HubSide second = sessions.poll(100L * 3 * HubSessionComponent.UNANSWERED_FACTOR + 5000, TimeUnit.MILLISECONDS);
      assertTrue(second != null, "the session gave the mute hub up and connected again");
      assertInstanceOf(HubMessage.Register.class, second.read());
    } finally {
      acks.shutdownNow();
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void whenItsHubFailsTheNodeRegistersOnTheConnectionThatStoodByAndStandsByAtTheOldOne() throws Exception {
    TwoHubs hubs = homeAndStandby();

    hubs.home().out().close(); // the hub is gone
    assertInstanceOf(HubMessage.Register.class, hubs.standby().read(), "registered on the standby, no handshake");
    hubs.standby().write(new HubMessage.Registered(SEEN_AT, new byte[32]));
    Eventually.until("registered with the second hub", () -> session.isConnected() && session.hubId().equals(HUB2));
    HubSide next = nextSession();
    assertEquals(HUB_AT, next.path().nextHop(), "the one connection made since stands by at the first hub");
    assertEquals(new HubMessage.Standby(), next.read());
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void aStandbyHubThatNeverAnswersTheRegistrationIsLeftForAFreshConnection() throws Exception {
    TwoHubs hubs = homeAndStandby();

    hubs.home().out().close();
    assertInstanceOf(HubMessage.Register.class, hubs.standby().read()); // and then nothing: that hub died too
    long asked = hubs.standby().nodeWroteNanos().get();
    HubSide fresh = nextSession(HubSessionComponent.REGISTER_ANSWER.plusSeconds(5));
    // Both instants are the node's: the test's own thread may read the registration seconds late on a full machine.
    assertTrue(fresh.connectedNanos() - asked >= HubSessionComponent.REGISTER_ANSWER.toNanos(),
        "not before the deadline: " + java.time.Duration.ofNanos(fresh.connectedNanos() - asked));
    assertEquals(HUB_AT, fresh.path().nextHop(), "the next hub round, connected anew");
    assertInstanceOf(HubMessage.Register.class, fresh.read());
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void aHubTheStandbyHubSaysLeftTheMeshIsLeftOnlyIfItDoesNotAnswerAPing() throws Exception {
    TwoHubs hubs = homeAndStandby();

    hubs.standby().write(new HubMessage.HubGone(HUB));
    HubMessage.Ping ping = assertInstanceOf(HubMessage.Ping.class, hubs.home().read());
    hubs.home().write(new HubMessage.Pong(ping.nonce()));
    Eventually.until("the check ended", () -> session.goneChecks.get() == 1);
    assertTrue(session.isConnected() && session.hubId().equals(HUB), "a hub that answers keeps its node");

    hubs.standby().write(new HubMessage.HubGone(HUB));
    assertInstanceOf(HubMessage.Ping.class, hubs.home().read()); // unanswered
    assertInstanceOf(HubMessage.Register.class, hubs.standby().read(), "then the node moves");
  }

  // --- the session's surroundings

  private volatile boolean udpBlocked;

  /** The two hubs' sides of a node's sessions: with its home, and the one standing by. */
  private record TwoHubs(HubSide home, HubSide standby) {}

  /** A node with two hubs, registered with the first (its home) and standing by at the second. */
  private TwoHubs homeAndStandby() throws Exception {
    session = start(TWO_HUBS, 60_000, Map.of(), quietLogger()); // keep-alives would notice in 3 minutes
    HubSide home = registered();
    HubSide standby = nextSession();
    assertEquals(new HubMessage.Standby(), standby.read());
    assertEquals(HUB2_AT, standby.path().nextHop(), "it stands by at its fallback");
    // The node writes Standby before it counts the standby as up: a hub that fails in between is
    // followed by a fresh connection, not by a registration on the standby.
    Eventually.until("the node stands by", () -> session.standbyHub().equals(Optional.of(HUB2)));
    return new TwoHubs(home, standby);
  }

  private HubSide registered() throws Exception {
    HubSide hub = nextSession();
    assertInstanceOf(HubMessage.Register.class, hub.read());
    hub.write(new HubMessage.Registered(SEEN_AT, new byte[32]));
    Eventually.until("registered", () -> session.isConnected());
    return hub;
  }

  private HubSide nextSession() throws InterruptedException {
    return nextSession(java.time.Duration.ofSeconds(10));
  }

  private HubSide nextSession(java.time.Duration within) throws InterruptedException {
    HubSide s = sessions.poll(within.toMillis(), TimeUnit.MILLISECONDS);
    assertTrue(s != null, "the session connects to the hub");
    return s;
  }

  private HubSessionComponent start(long keepaliveMs) {
    return start(keepaliveMs, Map.of(), quietLogger());
  }

  private static Logger quietLogger() {
    return (Logger) Proxy.newProxyInstance(HubSessionComponentTest.class.getClassLoader(), new Class<?>[] {Logger.class},
        (p, m, a) -> m.getReturnType() == boolean.class ? false : null);
  }

  private HubSessionComponent start(long keepaliveMs, Map<String, Object> properties, Logger log) {
    return start(HUB + "@" + HUB_AT.getHostString() + ":" + HUB_AT.getPort(), keepaliveMs, properties, log);
  }

  private HubSessionComponent start(String hubs, long keepaliveMs, Map<String, Object> properties, Logger log) {
    Map<String, Object> config = Map.of(
        "hub", hubs,
        "reported", new String[] {"10.0.0.2:4000"},
        "keepalive__ms", keepaliveMs,
        "keepalive__misses", 3);
    HubSessionComponent.Config c = (HubSessionComponent.Config) Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {HubSessionComponent.Config.class},
        (p, m, a) -> m.getName().equals("annotationType") ? HubSessionComponent.Config.class : config.get(m.getName()));
    return new HubSessionComponent(c, properties, endpoint(), log);
  }

  /** An endpoint whose every connect to the hub is a new stream the test reads and writes. */
  private Endpoint endpoint() {
    return (Endpoint) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Endpoint.class},
        (p, m, a) -> switch (m.getName()) {
          case "localId" -> SELF;
          case "localAddress" -> new InetSocketAddress("10.0.0.2", 4000);
          case "trustRelay" -> {
            trustedKey.set((byte[]) a[1]);
            yield null;
          }
          case "distrustRelay" -> {
            trustedKey.set(null);
            yield null;
          }
          case "connect" -> udpBlocked && a[1] instanceof TransportPath.Direct
              ? new CompletableFuture<QuicConnection>() // no answer, ever
              : CompletableFuture.completedFuture(connection((TransportPath) a[1]));
          case "connectStream" -> CompletableFuture.completedFuture(Proxy.newProxyInstance(
              getClass().getClassLoader(), new Class<?>[] {PacketCarrier.class}, (q, n, b) -> switch (n.getName()) {
                case "kind" -> io.macula.nat.api.PathKind.DIRECT;
                case "describe", "toString" -> "tcp stream";
                default -> null;
              }));
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }

  private QuicConnection connection(TransportPath path) throws IOException {
    PipedInputStream nodeIn = new PipedInputStream(1 << 16);
    PipedOutputStream hubOut = new PipedOutputStream(nodeIn);
    PipedInputStream hubIn = new PipedInputStream(1 << 16);
    AtomicLong nodeWrote = new AtomicLong();
    AtomicLong keepAlives = new AtomicLong();
    AtomicLong keepAlivesAtLastWrite = new AtomicLong();
    OutputStream nodeOut = new FilterOutputStream(new PipedOutputStream(hubIn)) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        nodeWrote.set(System.nanoTime());
        keepAlivesAtLastWrite.set(keepAlives.get());
        out.write(b, off, len);
      }

      @Override
      public void write(int b) throws IOException {
        nodeWrote.set(System.nanoTime());
        keepAlivesAtLastWrite.set(keepAlives.get());
        out.write(b);
      }
    };
    AtomicLong received = new AtomicLong();
    AtomicBoolean acknowledges = new AtomicBoolean(); // whether the hub's QUIC answers keep-alives
    AtomicReference<Boolean> open = new AtomicReference<>(true);
    PeerStream stream = new PeerStream() {
      @Override
      public InputStream input() {
        return nodeIn;
      }

      @Override
      public OutputStream output() {
        return nodeOut;
      }

      /** As a closed QUIC stream does: the node's reads end, its writes go nowhere. */
      @Override
      public void close() {
        try {
          hubOut.close();
          nodeOut.close();
        } catch (IOException e) {
          // closed already
        }
      }
    };
    sessions.add(new HubSide(hubIn, hubOut, received, path, System.nanoTime(), nodeWrote, keepAlives, keepAlivesAtLastWrite,
        acknowledges));
    return (QuicConnection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {QuicConnection.class},
        (p, m, a) -> switch (m.getName()) {
          case "openStream" -> stream;
          case "isOpen" -> open.get();
          case "bytesReceived" -> received.get();
          case "keepAlive" -> {
            keepAlives.incrementAndGet();
            if (acknowledges.get()) {
              received.addAndGet(40);
            }
            yield null;
          }
          case "peer" -> HUB;
          case "path" -> path;
          case "close" -> {
            open.set(false);
            stream.close();
            yield null;
          }
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }

  private static HubMessage.Entry entry(int n) {
    return new HubMessage.Entry(new NodeDescriptor(node(n), List.of(), Optional.empty(), NatBehavior.UNKNOWN, false), 0);
  }

  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return NodeId.of(id);
  }

}
