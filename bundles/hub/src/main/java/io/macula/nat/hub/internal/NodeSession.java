package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import io.macula.nat.hub.protocol.HubCodec;
import io.macula.nat.hub.protocol.HubMessage;
import io.macula.nat.hub.protocol.HubProtocolException;
import io.macula.nat.transport.api.QuicConnection;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One node's session with the hub: the control stream of its hub connection. The first message
 * must register the node; then it asks for the node list, signals other nodes and keeps alive.
 */
final class NodeSession implements Runnable {
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  /** Messages that may wait for a node to read them; one more, and the node is taken for gone. */
  static final int MAX_OUTBOUND = 256;
  /** How long a new session has to register; then it is closed. */
  static final Duration REGISTER_DEADLINE = Duration.ofSeconds(5);
  /** Signals a node may send: a connect takes about ten. */
  static final int SIGNAL_BURST = 64;
  static final double SIGNALS_PER_SECOND = 32;
  /** Node lists a node may ask for: each may be many pages. */
  static final int LIST_BURST = 4;
  static final double LISTS_PER_SECOND = 2;
  /** TURN credentials are sent anew this often: at half the lifetime the hub gives them. */

  /** What a session needs of the hub. */
  interface Hub {
    Registry registry();

    Clock clock();

    void log(String message, Object... args);

    /** The node left the hub (no later session of it registered meanwhile). */
    void left(NodeId node);

    /** The relay directory. */
    RelayDirectory relayDirectory();

    /** Runs the sessions' deadlines. */
    ScheduledExecutorService timer();

    /** The session registered its node, or ended before it did: called once per session. */
    void settled(NodeSession session);

    /** How long the TURN credentials it makes last: the session sends fresh ones at half that. */
    Duration turnCredentialsLifetime();

    /** The hub's TURN server and fresh credentials for it made for {@code node}, if the hub runs one. */
    Optional<HubMessage.TurnCredentials> turnCredentials(NodeId node);
  }

  private final QuicConnection connection;
  private final PeerStream stream;
  private final Hub hub;
  private final OutputStream out;
  /** What waits to be written, in order, by the session's writer: no sender ever blocks on this node. */
  private final BlockingQueue<Object> outbound = new ArrayBlockingQueue<>(MAX_OUTBOUND + 1);
  /** The last thing in {@link #outbound}: the writer stops once all before it is written. */
  private static final Object END = new Object();
  private final TokenBucket signals;
  private final TokenBucket lists;
  private final AtomicBoolean settled = new AtomicBoolean();
  private boolean signalsLimited; // the reader's only
  private volatile ScheduledFuture<?> turnCredentials;

  NodeSession(QuicConnection connection, PeerStream stream, Hub hub) {
    this.connection = connection;
    this.stream = stream;
    this.hub = hub;
    this.out = stream.output();
    this.signals = new TokenBucket(SIGNAL_BURST, SIGNALS_PER_SECOND, hub.clock());
    this.lists = new TokenBucket(LIST_BURST, LISTS_PER_SECOND, hub.clock());
  }

  private void settle() {
    if (settled.compareAndSet(false, true)) {
      hub.settled(this);
    }
  }

  NodeId node() {
    return connection.peer();
  }

  @Override
  public void run() {
    NodeId id = connection.peer();
    // A session that never registers holds no writer, and not for long.
    ScheduledFuture<?> deadline = hub.timer().schedule(() -> {
      if (!settled.get()) {
        hub.log("node {} did not register within {} s; its session ends", id, REGISTER_DEADLINE.toSeconds());
        close();
      }
    }, REGISTER_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    Thread writer = new Thread(this::write, "nat-hub-session-writer");
    writer.setDaemon(true);
    try (stream) {
      Optional<HubMessage> first = HubCodec.read(stream.input());
      if (first.isEmpty() || !(first.get() instanceof HubMessage.Register register)) {
        HubCodec.write(out, new HubMessage.Refused("the first message must be Register"));
        return;
      }
      deadline.cancel(false);
      writer.start();
      InetSocketAddress observed = connection.path().nextHop();
      NodeDescriptor node =
          new NodeDescriptor(id, register.reported(), Optional.of(observed), register.nat(), register.offersRelay());
      // The key of this session's relay frames: only the node and the hub know it, so nobody else
      // can relay as the node, or feed it packets as the hub.
      byte[] relayKey = new byte[32];
      RANDOM.nextBytes(relayKey);
      hub.registry().register(node, this, relayKey, hub.clock().instant()).ifPresent(NodeSession::close);
      settle();
      send(new HubMessage.Registered(observed, relayKey));
      hub.log("node {} registered from {}", id, observed);
      turnCredentials = hub.timer().scheduleAtFixedRate(() -> offerTurn(id), 0,
          hub.turnCredentialsLifetime().dividedBy(2).toMillis(), TimeUnit.MILLISECONDS);
      for (Optional<HubMessage> m; (m = HubCodec.read(stream.input())).isPresent(); ) {
        hub.registry().seen(id, hub.clock().instant());
        handle(m.get());
      }
    } catch (HubProtocolException e) {
      hub.log("node {} sent a malformed message, its session ends: {}", id, e.getMessage());
    } catch (IOException e) {
      // the session ended: the node went away or the connection closed
    } finally {
      deadline.cancel(false);
      ScheduledFuture<?> turn = turnCredentials;
      if (turn != null) {
        turn.cancel(false);
      }
      settle();
      // What the session queued last (a refusal, say) still reaches the node, if it reads.
      if (writer.isAlive()) {
        if (!outbound.offer(END)) {
          writer.interrupt();
        }
        try {
          writer.join(2000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        writer.interrupt();
      }
      if (hub.registry().unregister(id, this)) {
        hub.left(id);
      }
      hub.relayDirectory().ended(id, this);
      connection.close();
      hub.log("node {} left", id);
    }
  }

  private void handle(HubMessage m) throws IOException {
    if (m instanceof HubMessage.ListNodes) {
      if (!lists.take()) {
        send(new HubMessage.Refused("node lists asked too often: at most " + LISTS_PER_SECOND + " a second"));
        return;
      }
      // In pages that each fit a frame, however many nodes the hub holds.
      List<HubMessage.Entry> all = hub.registry().nodes().stream()
          .map(n -> new HubMessage.Entry(n.node(), n.lastSeen().toEpochMilli()))
          .toList();
      int pages = Math.max(1, (all.size() + HubCodec.NODES_PER_PAGE - 1) / HubCodec.NODES_PER_PAGE);
      for (int p = 0; p < pages; p++) {
        List<HubMessage.Entry> page =
            all.subList(p * HubCodec.NODES_PER_PAGE, Math.min(all.size(), (p + 1) * HubCodec.NODES_PER_PAGE));
        send(new HubMessage.Nodes(page, p + 1 < pages));
      }
    } else if (m instanceof HubMessage.Signal s) {
      if (!signals.take()) {
        // Said once per burst of refusals: the node is told, the refusals do not fill its queue.
        if (!signalsLimited) {
          signalsLimited = true;
          send(new HubMessage.Refused("signals sent too fast: at most " + SIGNALS_PER_SECOND + " a second"));
        }
        return;
      }
      signalsLimited = false;
      Optional<Registry.Registration> to = hub.registry().get(s.peer());
      if (to.isEmpty()) {
        send(new HubMessage.Refused("node " + s.peer() + " is not registered"));
      } else {
        try {
          // The hub names the sender itself: a node cannot speak for another.
          to.get().session().send(new HubMessage.Signal(connection.peer(), s.payload()));
        } catch (IOException e) {
          send(new HubMessage.Refused("node " + s.peer() + " is unreachable"));
        }
      }
    } else if (m instanceof HubMessage.Ping p) {
      send(new HubMessage.Pong(p.nonce()));
    } else if (m instanceof HubMessage.Pong) {
      // liveness only
    } else if (m instanceof HubMessage.RelayOffer o) {
      if (hub.registry().get(connection.peer()).filter(r -> r.session() == this).isEmpty()) {
        return; // a session a newer one replaced: its offer is not the node's any more
      }
      if (hub.relayDirectory().offered(connection.peer(), this, o, hub.clock().instant())) {
        hub.registry().offersRelay(connection.peer(), o.maxPairs() > 0);
        hub.log(o.maxPairs() == 0 ? "node {} withdraws its relay offer" : "node {} offers to relay {}",
            connection.peer(), o); // only a change is told: a node repeating its offer fills no log
      }
    } else if (m instanceof HubMessage.NatReport n) {
      hub.registry().natDiscovered(connection.peer(), n.nat());
      hub.log("node {} reports NAT behaviour {}", connection.peer(), n.nat());
    } else {
      send(new HubMessage.Refused(m.getClass().getSimpleName() + " is not for the hub"));
    }
  }

  /**
   * Queues one message for the node; any session's thread may call it, and none waits. A node
   * that lets {@link #MAX_OUTBOUND} messages pile up is not reading: its session ends.
   *
   * @throws IOException when the node is not reading
   */
  private void offerTurn(NodeId id) {
    try {
      Optional<HubMessage.TurnCredentials> c = hub.turnCredentials(id);
      if (c.isPresent()) {
        send(c.get());
      }
    } catch (IOException | RuntimeException e) {
      // the session is ending: the next one gets credentials of its own
    }
  }

  void send(HubMessage m) throws IOException {
    if (outbound.size() >= MAX_OUTBOUND || !outbound.offer(m)) {
      hub.log("node {} does not read: {} messages wait; its session ends", connection.peer(), MAX_OUTBOUND);
      close();
      throw new IOException("node " + connection.peer() + " does not read");
    }
  }

  /** The session's writer: one message after another, as the node takes them. */
  private void write() {
    try {
      for (Object m; (m = outbound.take()) != END; ) {
        HubCodec.write(out, (HubMessage) m);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      close();
    }
  }

  void close() {
    connection.close();
  }
}
