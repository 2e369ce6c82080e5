package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import io.macula.nat.api.StreamReceiver;
import io.macula.nat.hub.protocol.HubCodec;
import io.macula.nat.hub.protocol.HubFrames;
import io.macula.nat.hub.protocol.HubMessage;
import io.macula.nat.hub.protocol.HubProtocolException;
import io.macula.nat.transport.api.QuicConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One node's session with the hub: the control stream of its hub connection. The first message
 * must register the node; then it asks for the node list, signals other nodes and keeps alive.
 * Or the first message says the node stands by (it is homed at another hub): then the session only
 * keeps alive, hears of hubs that leave the mesh, and waits for the node to register on it.
 * No thread waits on a session: the stream hands it each message on the transport's thread, and
 * what it sends is queued without waiting, so a hub holds as many sessions as it has memory for.
 */
final class NodeSession implements StreamReceiver, Standbys.Session {
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  /**
   * Bytes that may wait for a node to take them, beyond what its stream's flow-control window
   * holds; one message more, and the node is taken for gone.
   */
  static final int MAX_WAITING = 1 << 20;
  /** How long a new session has to register; then it is closed. */
  static final Duration REGISTER_DEADLINE = Duration.ofSeconds(5);
  /** Signals a node may send: a connect takes about ten. */
  static final int SIGNAL_BURST = 64;
  static final double SIGNALS_PER_SECOND = 32;
  /** Node lists a node may ask for: each may be many pages. */
  static final int LIST_BURST = 4;
  static final double LISTS_PER_SECOND = 2;
  /** Lookups of one node a node may send: each connect makes one or two. */
  static final int LOOKUP_BURST = 64;
  static final double LOOKUPS_PER_SECOND = 32;

  /** What a session needs of the hub. */
  interface Hub {
    Registry registry();

    Clock clock();

    void log(String message, Object... args);

    /**
     * Logs what each node does in its session's ordinary course (registers, stands by, leaves,
     * reports its NAT or relay offer) at debug: a hub's thousands of nodes would fill its log, and
     * the log service walks the calling thread's stack for each line it keeps.
     */
    void logNode(String message, Object... args);

    /** The node registered: this hub is its home now. */
    void homed(NodeDescriptor node);

    /** What the hub knows of a node registered here changed: its NAT behaviour or its relay offer. */
    void changed(NodeId node);

    /**
     * Sends a signal to a node not registered here on to the hub it is homed at.
     *
     * @return why it cannot, if it cannot
     */
    Optional<String> forward(NodeId from, NodeId to, byte[] payload);

    /** The hubs of the mesh, for the node's fallbacks; empty while the hub knows none. */
    Optional<HubMessage.Hubs> meshHubs();

    /**
     * A node registered with another hub of the mesh, as the directory has it: from the mirror, or,
     * when the mirror has no live home for it, read afresh.
     */
    CompletionStage<Optional<HubMessage.Entry>> elsewhere(NodeId node);

    /** The nodes homed at other hubs of the mesh that offer to relay, as the directory has them. */
    List<HubMessage.Entry> relaysElsewhere();

    /** The node left the hub (no later session of it registered meanwhile). */
    void left(NodeId node);

    /** The relay directory. */
    RelayDirectory relayDirectory();

    /** Runs the sessions' deadlines. */
    ScheduledExecutorService timer();

    /** The session registered its node, or ended before it did: called once per session. */
    void settled(NodeSession session);

    /** The node stands by on this session: it is told when a hub leaves the mesh. */
    void standingBy(NodeSession session);

    /** The session stands by no more: its node registered on it, or it ended. */
    void noLongerStandingBy(NodeSession session);

    /** How long the TURN credentials it makes last: the session sends fresh ones at half that. */
    Duration turnCredentialsLifetime();

    /** The hub's TURN server and fresh credentials for it made for {@code node}, if the hub runs one. */
    Optional<HubMessage.TurnCredentials> turnCredentials(NodeId node);
  }

  private final QuicConnection connection;
  private final PeerStream stream;
  private final Hub hub;
  private final NodeId id;
  private final HubFrames frames = new HubFrames();
  private final TokenBucket signals;
  private final TokenBucket lists;
  private final TokenBucket lookups;
  private final AtomicBoolean settled = new AtomicBoolean();
  // The stream's thread's only: whether the node registered or stands by, whether the session is
  // over for what the node sends, and whether it was told its signals are limited.
  private boolean registered;
  private boolean standingBy;
  private boolean over;
  private boolean signalsLimited;
  private volatile ScheduledFuture<?> deadline;
  private volatile ScheduledFuture<?> turnCredentials;

  NodeSession(QuicConnection connection, PeerStream stream, Hub hub) {
    this.connection = connection;
    this.stream = stream;
    this.hub = hub;
    this.id = connection.peer();
    this.signals = new TokenBucket(SIGNAL_BURST, SIGNALS_PER_SECOND, hub.clock());
    this.lists = new TokenBucket(LIST_BURST, LISTS_PER_SECOND, hub.clock());
    this.lookups = new TokenBucket(LOOKUP_BURST, LOOKUPS_PER_SECOND, hub.clock());
  }

  private void settle() {
    if (settled.compareAndSet(false, true)) {
      hub.settled(this);
    }
  }

  @Override
  public NodeId node() {
    return id;
  }

  /** Starts taking the node's messages; a session that does not register in time is closed. */
  void start() {
    deadline = hub.timer().schedule(() -> {
      if (!settled.get()) {
        hub.log("node {} did not register within {} s; its session ends", id, REGISTER_DEADLINE.toSeconds());
        close();
      }
    }, REGISTER_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    stream.receive(this);
  }

  @Override
  public void received(ByteBuffer data) {
    try {
      for (HubMessage m : frames.read(data)) {
        if (over) {
          return;
        }
        if (registered) {
          hub.registry().seen(id, hub.clock().instant());
          handle(m);
        } else if (m instanceof HubMessage.Register register) {
          register(register);
        } else if (m instanceof HubMessage.Standby && !standingBy) {
          standBy();
        } else if (standingBy && m instanceof HubMessage.Ping p) {
          send(new HubMessage.Pong(p.nonce()));
        } else if (standingBy && m instanceof HubMessage.Pong) {
          // liveness only
        } else {
          sendLast(new HubMessage.Refused(standingBy ? "a session that stands by takes pings and Register only"
              : "the first message must be Register or Standby"));
          return;
        }
      }
    } catch (HubProtocolException e) {
      hub.log("node {} sent a malformed message, its session ends: {}", id, e.getMessage());
      over = true;
      close();
    } catch (IOException e) {
      over = true; // the node does not read: its session ended
    }
  }

  /** The node keeps this session to register on when its hub fails: no deadline, no registration. */
  private void standBy() {
    deadline.cancel(false);
    standingBy = true;
    settle(); // a session that waits no more: it does not count among those that may wait to register
    hub.standingBy(this);
    hub.logNode("node {} stands by", id);
  }

  private void register(HubMessage.Register register) throws IOException {
    deadline.cancel(false);
    if (standingBy) {
      standingBy = false;
      hub.noLongerStandingBy(this);
    }
    registered = true;
    InetSocketAddress observed = connection.path().nextHop();
    NodeDescriptor node =
        new NodeDescriptor(id, register.reported(), Optional.of(observed), register.nat(), register.offersRelay());
    // The key of this session's relay frames: only the node and the hub know it, so nobody else
    // can relay as the node, or feed it packets as the hub.
    byte[] relayKey = new byte[32];
    RANDOM.nextBytes(relayKey);
    hub.registry().register(node, this, relayKey, hub.clock().instant()).ifPresent(NodeSession::close);
    hub.homed(node);
    settle();
    send(new HubMessage.Registered(observed, relayKey));
    Optional<HubMessage.Hubs> hubs = hub.meshHubs();
    if (hubs.isPresent()) {
      send(hubs.get());
    }
    hub.logNode("node {} registered from {}", id, observed);
    turnCredentials = hub.timer().scheduleAtFixedRate(() -> offerTurn(id), 0,
        hub.turnCredentialsLifetime().dividedBy(2).toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The stream ended, whoever ended it: the node leaves. */
  @Override
  public void ended(Optional<IOException> failure) {
    ScheduledFuture<?> d = deadline;
    if (d != null) {
      d.cancel(false);
    }
    ScheduledFuture<?> turn = turnCredentials;
    if (turn != null) {
      turn.cancel(false);
    }
    settle();
    if (standingBy) {
      standingBy = false;
      hub.noLongerStandingBy(this);
    }
    if (registered && hub.registry().unregister(id, this)) {
      hub.left(id);
    }
    hub.relayDirectory().ended(id, this);
    connection.close();
    if (registered) {
      hub.logNode("node {} left", id);
    }
  }

  private void handle(HubMessage m) throws IOException {
    if (m instanceof HubMessage.ListNodes) {
      if (!lists.take()) {
        send(new HubMessage.Refused("node lists asked too often: at most " + LISTS_PER_SECOND + " a second"));
        return;
      }
      // In pages that each fit a frame, however many nodes the hub holds.
      // The mesh's relays too: a node pairs through a relay homed at any hub.
      List<HubMessage.Entry> all = java.util.stream.Stream.concat(hub.registry().nodes().stream()
          .map(n -> new HubMessage.Entry(n.node(), n.lastSeen().toEpochMilli())), hub.relaysElsewhere().stream())
          .toList();
      int pages = Math.max(1, (all.size() + HubCodec.NODES_PER_PAGE - 1) / HubCodec.NODES_PER_PAGE);
      for (int p = 0; p < pages; p++) {
        List<HubMessage.Entry> page =
            all.subList(p * HubCodec.NODES_PER_PAGE, Math.min(all.size(), (p + 1) * HubCodec.NODES_PER_PAGE));
        send(new HubMessage.Nodes(page, p + 1 < pages));
      }
    } else if (m instanceof HubMessage.Lookup q) {
      if (!lookups.take()) {
        send(new HubMessage.Refused("lookups asked too often: at most " + LOOKUPS_PER_SECOND + " a second"));
        return;
      }
      Optional<HubMessage.Entry> here = hub.registry().get(q.node())
          .map(r -> new HubMessage.Entry(r.node(), r.lastSeen().toEpochMilli()));
      if (here.isPresent()) {
        send(new HubMessage.Found(q.node(), here));
      } else {
        hub.elsewhere(q.node()).whenComplete((there, failure) -> {
          try {
            send(new HubMessage.Found(q.node(), failure == null ? there : Optional.empty()));
          } catch (IOException e) {
            // the session ended meanwhile
          }
        });
      }
    } else if (m instanceof HubMessage.Unknown u) {
      send(new HubMessage.Refused("message type " + u.type() + " is not known to this hub"));
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
        Optional<String> refusal = hub.forward(id, s.peer(), s.payload());
        if (refusal.isPresent()) {
          send(new HubMessage.Refused(refusal.get()));
        }
      } else {
        try {
          // The hub names the sender itself: a node cannot speak for another.
          to.get().session().send(new HubMessage.Signal(id, s.payload()));
        } catch (IOException e) {
          send(new HubMessage.Refused("node " + s.peer() + " is unreachable"));
        }
      }
    } else if (m instanceof HubMessage.Ping p) {
      send(new HubMessage.Pong(p.nonce()));
    } else if (m instanceof HubMessage.Pong) {
      // liveness only
    } else if (m instanceof HubMessage.RelayOffer o) {
      if (hub.registry().get(id).filter(r -> r.session() == this).isEmpty()) {
        return; // a session a newer one replaced: its offer is not the node's any more
      }
      if (hub.relayDirectory().offered(id, this, o, hub.clock().instant())) {
        if (hub.registry().offersRelay(id, o.maxPairs() > 0)) {
          hub.changed(id);
        }
        hub.logNode(o.maxPairs() == 0 ? "node {} withdraws its relay offer" : "node {} offers to relay {}",
            id, o); // only a change is told: a node repeating its offer fills no log
      }
    } else if (m instanceof HubMessage.NatReport n) {
      if (hub.registry().get(id).filter(r -> r.session() == this).isEmpty()) {
        return; // a session a newer one replaced: the node speaks through the newer one
      }
      if (hub.registry().natDiscovered(id, n.nat())) {
        hub.changed(id);
        hub.logNode("node {} reports NAT behaviour {}", id, n.nat());
      }
    } else {
      send(new HubMessage.Refused(m.getClass().getSimpleName() + " is not for the hub"));
    }
  }

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

  /**
   * Queues one message for the node; any thread may call it, and none waits. A node that lets
   * {@link #MAX_WAITING} bytes pile up is not reading: its session ends.
   *
   * @throws IOException when the node is not reading
   */
  @Override
  public void send(HubMessage m) throws IOException {
    if (!stream.tryWrite(HubCodec.encode(m), MAX_WAITING)) {
      if (connection.isOpen()) {
        hub.log("node {} does not read: {} bytes wait for it; its session ends", id, MAX_WAITING);
      }
      close();
      throw new IOException("node " + id + " does not read");
    }
  }

  /** Sends the node one last message (it goes out ahead of the connection's close), and ends the session. */
  private void sendLast(HubMessage m) {
    over = true;
    try {
      send(m);
    } catch (IOException e) {
      // closed already
    }
    close();
  }

  @Override
  public void close() {
    connection.close();
  }
}
