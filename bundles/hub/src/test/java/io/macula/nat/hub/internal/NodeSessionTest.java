package io.macula.nat.hub.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import io.macula.nat.api.StreamReceiver;
import io.macula.nat.hub.protocol.HubCodec;
import io.macula.nat.hub.protocol.HubMessage;
import io.macula.nat.testing.Eventually;
import io.macula.nat.testing.ManualScheduler;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A node that stops reading must not wedge the sessions of the nodes that signal it. */
class NodeSessionTest {
  private final Registry registry = new Registry();
  private final ExecutorService sessions = Executors.newCachedThreadPool();
  /** Each stream's thread, as the transport's event loops. */
  private final List<ExecutorService> loops = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final ManualScheduler timer = new ManualScheduler();
  private final RelayDirectory relays = new RelayDirectory();
  private final AtomicInteger settled = new AtomicInteger();
  /** How many TURN credentials the hub made; none while it runs no TURN server. */
  private final AtomicInteger turnCredentialsMade = new AtomicInteger();
  private volatile boolean runsTurn;
  private static final Duration TURN_CREDENTIALS = Duration.ofHours(24);
  /** What the sessions told the hub to write to its directory, in order. */
  private final List<String> directoryWrites = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** The relays the directory homes at other hubs. */
  private final List<HubMessage.Entry> relaysAtOtherHubs = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final NodeSession.Hub hub = new NodeSession.Hub() {
    @Override
    public Duration turnCredentialsLifetime() {
      return TURN_CREDENTIALS;
    }

    @Override
    public Optional<HubMessage.TurnCredentials> turnCredentials(NodeId node) {
      return runsTurn ? Optional.of(new HubMessage.TurnCredentials("turn:203.0.113.10:3478",
          "user-" + turnCredentialsMade.incrementAndGet(), "password", 0)) : Optional.empty();
    }

    @Override
    public Registry registry() {
      return registry;
    }

    @Override
    public Clock clock() {
      return timer.clock();
    }

    @Override
    public void log(String message, Object... args) {}

    @Override
    public void logNode(String message, Object... args) {}

    @Override
    public void homed(io.macula.nat.api.NodeDescriptor node) {
      directoryWrites.add("home " + node.id().shortForm());
    }

    @Override
    public void changed(NodeId node) {
      directoryWrites.add("change " + node.shortForm());
    }

    @Override
    public void left(NodeId node) {
      directoryWrites.add("leave " + node.shortForm());
    }

    @Override
    public Optional<String> forward(NodeId from, NodeId to, byte[] payload) {
      return Optional.of("node " + to + " is not registered");
    }

    @Override
    public java.util.concurrent.CompletionStage<Optional<HubMessage.Entry>> elsewhere(NodeId node) {
      return CompletableFuture.completedFuture(Optional.empty());
    }

    @Override
    public List<HubMessage.Entry> relaysElsewhere() {
      return relaysAtOtherHubs;
    }

    @Override
    public Optional<HubMessage.Hubs> meshHubs() {
      return Optional.empty();
    }

    @Override
    public RelayDirectory relayDirectory() {
      return relays;
    }

    @Override
    public ScheduledExecutorService timer() {
      return timer;
    }

    @Override
    public void settled(NodeSession session) {
      settled.incrementAndGet();
    }

    @Override
    public void standingBy(NodeSession session) {
      standing.add(session.node());
    }

    @Override
    public void noLongerStandingBy(NodeSession session) {
      standing.remove(session.node());
    }
  };
  /** The nodes whose sessions stand by. */
  private final java.util.Set<NodeId> standing = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @AfterEach
  void stop() {
    sessions.shutdownNow();
    loops.forEach(ExecutorService::shutdownNow);
  }

  /** A node's end of its session: what it writes to the hub, and what it reads back. */
  private record Node(OutputStream toHub, InputStream fromHub) {
    HubMessage read() throws IOException {
      return HubCodec.read(fromHub).orElseThrow();
    }
  }

  @Test
  void sendersKeepTheirAnswersWhileTheNodeTheySignalNeverReads() throws Exception {
    Node deaf = connect(node(2), 40002, 1024); // reads nothing: its window holds 1 KB
    register(deaf, node(2), false);
    // Enough senders, each within its signal rate, to fill what may wait for the deaf node.
    int senders = NodeSession.MAX_WAITING / (NodeSession.SIGNAL_BURST * 512) + 2;
    List<CompletableFuture<List<String>>> answers = new java.util.ArrayList<>();
    for (int n = 0; n < senders; n++) {
      Node sender = connect(node(10 + n), 40010 + n, 1 << 20);
      register(sender, node(10 + n), true);
      answers.add(CompletableFuture.supplyAsync(() -> {
        List<String> refusals = new java.util.ArrayList<>();
        try {
          for (int i = 0; i < NodeSession.SIGNAL_BURST; i++) {
            HubCodec.write(sender.toHub(), new HubMessage.Signal(node(2), new byte[512]));
          }
          HubCodec.write(sender.toHub(), new HubMessage.Ping(77));
          for (HubMessage m; !((m = sender.read()) instanceof HubMessage.Pong); ) {
            if (m instanceof HubMessage.Refused r) {
              refusals.add(r.reason());
            }
          }
        } catch (IOException e) {
          throw new AssertionError(e);
        }
        return refusals;
      }, sessions));
    }
    // Before its queue let it, the hub had the senders' sessions wait on the deaf node for ever.
    List<String> refusals = new java.util.ArrayList<>();
    for (CompletableFuture<List<String>> a : answers) {
      refusals.addAll(a.get(10, TimeUnit.SECONDS));
    }
    assertTrue(refusals.stream().anyMatch(r -> r.contains("unreachable"))
            && refusals.stream().allMatch(r -> r.contains("unreachable") || r.contains("is not registered")),
        "the senders are told the deaf node is unreachable (then gone), and nothing else: " + refusals);
    Eventually.until("the deaf node's session ends", () -> registry.get(node(2)).isEmpty());
  }

  @Test
  void aRegisteredNodeGetsTurnCredentialsAndFreshOnesAtHalfTheirLifetime() throws Exception {
    runsTurn = true;
    Node n = connect(node(4), 40004, 1 << 20);
    register(n, node(4), true);
    // The session schedules its offers just after Registered, on its own thread.
    Eventually.until("the hub made the first credentials", () -> {
      timer.runDue();
      return turnCredentialsMade.get() == 1;
    });
    assertEquals("user-1", ((HubMessage.TurnCredentials) n.read()).username());
    timer.advance(TURN_CREDENTIALS.dividedBy(2).minusSeconds(1));
    assertEquals(1, turnCredentialsMade.get(), "none made before their time");
    timer.advance(Duration.ofSeconds(1));
    assertEquals("user-2", ((HubMessage.TurnCredentials) n.read()).username());
  }

  @Test
  void aRelayOfferEntersTheDirectoryReachableOnlyOnceTheNodesNatLetsOthersInAndGoesWhenWithdrawn() throws Exception {
    Node n = connect(node(5), 40005, 1 << 20);
    register(n, node(5), true);
    HubCodec.write(n.toHub(), new HubMessage.RelayOffer(8, 5_000_000, 4_000));
    Eventually.until("the offer is listed", () -> relays.entries(registry).size() == 1);
    io.macula.nat.hub.api.Hub.RelayEntry e = relays.entries(registry).get(0);
    assertEquals(node(5), e.node().id());
    assertEquals(8, e.maxPairs());
    assertEquals(5_000_000, e.bytesPerSecond());
    assertEquals(java.util.Optional.of("its NAT behaviour is not known yet"), e.unreachable());

    HubCodec.write(n.toHub(), new HubMessage.NatReport(NatBehavior.PORT_RESTRICTED_CONE));
    Eventually.until("a port-restricted cone lets in only nodes it sent to", () -> relays.entries(registry).get(0)
        .unreachable().filter(why -> why.contains("port-restricted-cone")).isPresent());
    HubCodec.write(n.toHub(), new HubMessage.NatReport(NatBehavior.NONE));
    Eventually.until("a node with no NAT is reachable", () -> relays.entries(registry).get(0).reachable());

    assertTrue(registry.get(node(5)).orElseThrow().node().offersRelay(), "hub:nodes says it offers");

    HubCodec.write(n.toHub(), HubMessage.RelayOffer.withdrawn());
    Eventually.until("the withdrawn offer is gone", () -> relays.entries(registry).isEmpty());
    Eventually.until("and hub:nodes says so", () -> !registry.get(node(5)).orElseThrow().node().offersRelay());
  }

  @Test
  void theDirectoryHearsOfRealChangesOnlyAReportRepeatedWritesNothing() throws Exception {
    Node n = connect(node(7), 40007, 1 << 20);
    register(n, node(7), true);
    String id = node(7).shortForm();
    HubCodec.write(n.toHub(), new HubMessage.NatReport(NatBehavior.FULL_CONE));
    HubCodec.write(n.toHub(), new HubMessage.NatReport(NatBehavior.FULL_CONE));
    HubCodec.write(n.toHub(), new HubMessage.RelayOffer(8, 5_000_000, 4_000));
    HubCodec.write(n.toHub(), new HubMessage.RelayOffer(8, 5_000_000, 4_000));
    HubCodec.write(n.toHub(), new HubMessage.NatReport(NatBehavior.NONE));
    Eventually.until("the last report is taken", () -> registry.get(node(7)).orElseThrow().node().nat()
        == NatBehavior.NONE);
    n.toHub().close();
    Eventually.until("the node left", () -> directoryWrites.contains("leave " + id));
    assertEquals(List.of("home " + id, "change " + id, "change " + id, "change " + id, "leave " + id),
        directoryWrites);
  }

  @Test
  void aSessionANewOneReplacedTakesItsOfferAlongAndTheNewOneOffersAnew() throws Exception {
    Node first = connect(node(6), 40006, 1 << 20);
    register(first, node(6), true);
    HubCodec.write(first.toHub(), new HubMessage.RelayOffer(4, 1000, 10));
    Eventually.until("the offer is listed", () -> relays.entries(registry).size() == 1);

    Node second = connect(node(6), 40016, 1 << 20);
    register(second, node(6), true);
    Eventually.until("the old session's offer is no longer listed", () -> relays.entries(registry).isEmpty());
    HubCodec.write(second.toHub(), new HubMessage.RelayOffer(2, 1000, 10));
    Eventually.until("the new session's offer is", () -> relays.entries(registry).size() == 1
        && relays.entries(registry).get(0).maxPairs() == 2);
  }

  @Test
  void aSessionThatNeverRegistersIsClosedAtItsDeadline() throws Exception {
    connect(node(3), 40003, 1 << 16);
    Eventually.until("the session waits for its Register", () -> timer.pending() == 1);
    assertEquals(0, settled.get());

    timer.advance(NodeSession.REGISTER_DEADLINE);

    Eventually.until("the hub closed the session", () -> settled.get() == 1);
    assertTrue(registry.get(node(3)).isEmpty());
  }

  @Test
  void signalsPastTheBurstAreRefusedOnceAndNotForwarded() throws Exception {
    Node receiver = connect(node(2), 40002, 1 << 20);
    register(receiver, node(2), true);
    Node sender = connect(node(1), 40001, 1 << 20);
    register(sender, node(1), true);

    for (int i = 0; i < NodeSession.SIGNAL_BURST + 10; i++) {
      HubCodec.write(sender.toHub(), new HubMessage.Signal(node(2), new byte[] {(byte) i}));
    }
    HubCodec.write(sender.toHub(), new HubMessage.Ping(1));
    int refusals = 0;
    for (HubMessage m; !((m = sender.read()) instanceof HubMessage.Pong); ) {
      refusals += m instanceof HubMessage.Refused r && r.reason().contains("too fast") ? 1 : 0;
    }
    assertEquals(1, refusals, "told once, not once per signal");
    for (int i = 0; i < NodeSession.SIGNAL_BURST; i++) {
      assertInstanceOf(HubMessage.Signal.class, receiver.read());
    }
    assertEquals(0, receiver.fromHub().available(), "nothing past the burst was forwarded");

    timer.advance(java.time.Duration.ofSeconds(1)); // the bucket fills again: 32 a second
    HubCodec.write(sender.toHub(), new HubMessage.Signal(node(2), new byte[] {1}));
    assertInstanceOf(HubMessage.Signal.class, receiver.read());
  }

  @Test
  void aNodeListNamesTheRelaysOfOtherHubsAfterTheNodesHere() throws Exception {
    Node n = connect(node(1), 40001, 1 << 20);
    register(n, node(1), true);
    NodeDescriptor relay = new NodeDescriptor(node(7), List.of(), Optional.of(new InetSocketAddress("192.0.2.7", 7)),
        NatBehavior.NONE, true);
    relaysAtOtherHubs.add(new HubMessage.Entry(relay, 5));

    HubCodec.write(n.toHub(), new HubMessage.ListNodes());
    HubMessage.Nodes listed = assertInstanceOf(HubMessage.Nodes.class, n.read());
    assertEquals(List.of(node(1), node(7)), listed.nodes().stream().map(e -> e.node().id()).toList());
    assertEquals(relay, listed.nodes().get(1).node());
  }

  @Test
  void nodeListsPastTheBurstAreRefused() throws Exception {
    Node n = connect(node(1), 40001, 1 << 20);
    register(n, node(1), true);

    for (int i = 0; i < NodeSession.LIST_BURST + 2; i++) {
      HubCodec.write(n.toHub(), new HubMessage.ListNodes());
    }
    int lists = 0;
    int refused = 0;
    for (int i = 0; i < NodeSession.LIST_BURST + 2; i++) {
      HubMessage m = n.read();
      lists += m instanceof HubMessage.Nodes ? 1 : 0;
      refused += m instanceof HubMessage.Refused ? 1 : 0;
    }
    assertEquals(NodeSession.LIST_BURST, lists);
    assertEquals(2, refused);
  }

  @Test
  void aLookupAnswersWithTheOneNodeOrNothingAndLookupsPastTheBurstAreRefused() throws Exception {
    Node other = connect(node(2), 40002, 1 << 20);
    register(other, node(2), true);
    Node n = connect(node(1), 40001, 1 << 20);
    register(n, node(1), true);

    HubCodec.write(n.toHub(), new HubMessage.Lookup(node(2)));
    HubMessage.Found found = (HubMessage.Found) n.read();
    assertEquals(node(2), found.node());
    assertEquals(Optional.of(new InetSocketAddress("198.51.100.7", 40002)),
        found.entry().orElseThrow().node().observedAddress());
    HubCodec.write(n.toHub(), new HubMessage.Lookup(node(9)));
    assertEquals(new HubMessage.Found(node(9), Optional.empty()), n.read());

    for (int i = 0; i < NodeSession.LOOKUP_BURST; i++) {
      HubCodec.write(n.toHub(), new HubMessage.Lookup(node(2)));
    }
    int answers = 0;
    int refused = 0;
    for (int i = 0; i < NodeSession.LOOKUP_BURST; i++) {
      HubMessage m = n.read();
      answers += m instanceof HubMessage.Found ? 1 : 0;
      refused += m instanceof HubMessage.Refused r && r.reason().contains("lookups asked too often") ? 1 : 0;
    }
    assertEquals(NodeSession.LOOKUP_BURST - 2, answers, "the burst less the two asked before");
    assertEquals(2, refused);
  }

  /** A newer node's message is refused, and its session goes on. */
  @Test
  void aMessageOfATypeTheHubDoesNotKnowIsRefusedAndTheSessionGoesOn() throws Exception {
    Node n = connect(node(1), 40001, 1 << 20);
    register(n, node(1), true);
    n.toHub().write(java.util.HexFormat.of().parseHex("0000000263ff"));
    HubMessage.Refused r = (HubMessage.Refused) n.read();
    assertEquals("message type 99 is not known to this hub", r.reason());
    HubCodec.write(n.toHub(), new HubMessage.Ping(5));
    assertEquals(new HubMessage.Pong(5), n.read());
  }

  @Test
  void aNodeThatStandsByHasNoDeadlineIsNotRegisteredKeepsAliveAndMayRegisterLater() throws Exception {
    Node n = connect(node(4), 40004, 1 << 20);
    HubCodec.write(n.toHub(), new HubMessage.Standby());
    Eventually.until("the node stands by", () -> standing.contains(node(4)));
    assertEquals(1, settled.get(), "it waits to register no more");
    timer.advance(NodeSession.REGISTER_DEADLINE.multipliedBy(2));
    HubCodec.write(n.toHub(), new HubMessage.Ping(9));
    assertEquals(new HubMessage.Pong(9), n.read(), "past the deadline, the session answers");
    assertTrue(registry.get(node(4)).isEmpty());
    assertEquals(List.of(), directoryWrites, "standing by writes nothing to the directory");

    register(n, node(4), true);
    assertTrue(registry.get(node(4)).isPresent());
    assertEquals(java.util.Set.of(), standing);
    assertEquals(List.of("home " + node(4).shortForm()), directoryWrites);
  }

  @Test
  void aSessionThatStandsByIsRefusedAnythingButPingsAndRegisterAndEnds() throws Exception {
    Node n = connect(node(5), 40005, 1 << 20);
    HubCodec.write(n.toHub(), new HubMessage.Standby());
    HubCodec.write(n.toHub(), new HubMessage.Signal(node(1), new byte[] {1}));
    HubMessage.Refused r = (HubMessage.Refused) n.read();
    assertEquals("a session that stands by takes pings and Register only", r.reason());
    assertThrows(java.util.NoSuchElementException.class, n::read, "then the hub closed it");
    Eventually.until("it stands by no more", standing::isEmpty);
  }

  private void register(Node n, NodeId id, boolean read) throws IOException {
    HubCodec.write(n.toHub(), new HubMessage.Register(List.of(), false, NatBehavior.UNKNOWN));
    if (read) {
      assertInstanceOf(HubMessage.Registered.class, n.read());
    } else {
      Eventually.until(id.shortForm() + " registered", () -> registry.get(id).isPresent());
    }
  }

  private Node connect(NodeId id, int port, int window) {
    ExecutorService loop = Executors.newSingleThreadExecutor();
    loops.add(loop);
    FakeStream stream = new FakeStream(window, loop);
    InetSocketAddress at = new InetSocketAddress("198.51.100.7", port);
    QuicConnection c = (QuicConnection) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {QuicConnection.class}, (p, m, a) -> switch (m.getName()) {
          case "peer" -> id;
          case "path" -> new TransportPath.Direct(at);
          case "isOpen" -> !stream.closed();
          case "close" -> {
            stream.close();
            yield null;
          }
          default -> throw new UnsupportedOperationException(m.getName());
        });
    new NodeSession(c, stream, hub).start();
    return new Node(stream.toHub, stream.fromHub);
  }

  /**
   * A stream as the transport's: what the node writes reaches the session's receiver on the
   * stream's own thread, and what the session writes waits for the node to read it; the first
   * {@code window} unread bytes are taken as QUIC's flow control would, the rest wait.
   */
  private static final class FakeStream implements PeerStream {
    private final int window;
    private final ExecutorService loop;
    private final java.util.ArrayDeque<byte[]> toNode = new java.util.ArrayDeque<>();
    private int unread;
    private int headRead;
    private boolean closed;
    private volatile StreamReceiver receiver;

    FakeStream(int window, ExecutorService loop) {
      this.window = window;
      this.loop = loop;
    }

    final OutputStream toHub = new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        byte[] copy = java.util.Arrays.copyOfRange(b, off, off + len);
        loop.execute(() -> receiver.received(java.nio.ByteBuffer.wrap(copy)));
      }

      /** The node ends its stream: the session hears it after what the node wrote before. */
      @Override
      public void close() {
        loop.execute(() -> receiver.ended(Optional.empty()));
      }
    };

    final InputStream fromHub = new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        synchronized (FakeStream.this) {
          while (toNode.isEmpty() && !closed) {
            try {
              FakeStream.this.wait();
            } catch (InterruptedException e) {
              throw new java.io.InterruptedIOException();
            }
          }
          if (toNode.isEmpty()) {
            return -1;
          }
          byte[] head = toNode.peekFirst();
          int n = Math.min(len, head.length - headRead);
          System.arraycopy(head, headRead, b, off, n);
          headRead += n;
          unread -= n;
          if (headRead == head.length) {
            toNode.removeFirst();
            headRead = 0;
          }
          return n;
        }
      }

      @Override
      public int available() {
        synchronized (FakeStream.this) {
          return unread;
        }
      }
    };

    synchronized boolean closed() {
      return closed;
    }

    @Override
    public void receive(StreamReceiver r) {
      receiver = r;
    }

    @Override
    public synchronized boolean tryWrite(byte[] data, int maxWaiting) {
      if (closed || unread + data.length - window > maxWaiting) {
        return false;
      }
      toNode.addLast(data);
      unread += data.length;
      notifyAll();
      return true;
    }

    @Override
    public InputStream input() {
      throw new UnsupportedOperationException("the session receives");
    }

    @Override
    public OutputStream output() {
      throw new UnsupportedOperationException("the session writes without waiting");
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        notifyAll();
      }
      loop.execute(() -> receiver.ended(Optional.empty()));
    }
  }

  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return NodeId.of(id);
  }
}
