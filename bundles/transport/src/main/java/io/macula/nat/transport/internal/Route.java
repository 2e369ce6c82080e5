package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.transport.api.PathMove;
import io.macula.nat.transport.api.TransportPath;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * One peer as QUIC sees it: a stable virtual address, and beneath it the path its packets take
 * now. Switching the path changes nothing QUIC can see.
 */
final class Route {
  final InetSocketAddress virtualAddress;
  final LongAdder bytesSent = new LongAdder();
  final LongAdder bytesReceived = new LongAdder();
  /** Written under the Routes' lock: connects and connections using the route. */
  volatile int uses;
  /**
   * Written under the Routes' lock: of those, the sessions its peer opened with this node as its
   * hub. A route that carries nothing else is probed by the peer alone ({@link #probedByPeerAlone}).
   */
  volatile int hubSessions;
  /**
   * Guarded by the Routes: when a remote client's Initial last came on the route while something
   * used it already (its peer dialling a new connection beside an old one); null once a connection
   * on the route was established since.
   */
  java.time.Instant handshakeArrived;
  /** Guarded by the Routes: the real addresses whose packets belong to this route. */
  final java.util.Set<InetSocketAddress> directAddresses = new java.util.HashSet<>();
  /** Guarded by the Routes: the carriers and peer addresses whose packets belong to this route. */
  final java.util.Set<TransportPath.Carried> carriedPaths = new java.util.HashSet<>();

  /**
   * Packets that arrived over the current path since the route took it. Counted on the socket's
   * event loop, its one writer; a new path starts it again.
   */
  volatile long packetsOnPath;

  /** The moves a route remembers: enough to tell an operator what happened lately. */
  static final int MAX_MOVES = 16;
  private final java.util.ArrayDeque<PathMove> moves = new java.util.ArrayDeque<>();

  /** The path prober's watch over the current path (written on the socket's event loop). */
  volatile Probing probing;

  /**
   * Whether anything the path prober watches changed since it last looked at the route: a packet
   * came or went on it, a probe was answered, it moved or learnt its peer. The prober looks at a
   * route that changed at its next tick, and at one that did not only once {@link #probeDue}: a
   * hub holds thousands of routes, most of them idle at any tick.
   */
  volatile boolean probeStale = true;
  /** When the prober must look at the route again though nothing changed (nanoTime); the prober's own. */
  long probeDue;

  /** What the prober knows of one path of the route: when packets last came, and its probe. */
  static final class Probing {
    final TransportPath path;
    long packets;
    long sent;
    long lastArrival;
    long lastSend;
    long probeSent;
    /** How often the outstanding probe went again: each retry waits twice as long as the last. */
    int retries;
    /** The outstanding probe's transaction id, or null when none is. */
    volatile byte[] transaction;
    volatile long unansweredSince;
    /** When a probe was last answered (or the path taken): consent lasts 30 s from then. */
    volatile long consentedAt;
    /** The round trip of the latest answered probe, or -1 before one. */
    volatile long rttNanos = -1;
    /** When the next consent check is due. */
    long nextCheck;
    /** Read by the sending side: no packet but a probe goes on a path without consent. */
    volatile boolean consentLost;
    /** For an alternative: the order the route left it in, and whether the prober has seen it yet. */
    long leftOrder;
    volatile boolean unvisited;

    Probing(TransportPath path, long packets, long sent, long nowNanos, long nextCheck) {
      this.path = path;
      this.packets = packets;
      this.sent = sent;
      this.lastArrival = nowNanos;
      this.lastSend = nowNanos;
      this.consentedAt = nowNanos;
      this.nextCheck = nextCheck;
    }
  }

  /** The most alternatives a route keeps probing: paths it left, the latest first. */
  static final int MAX_ALTERNATIVES = 4;

  /**
   * The other paths to the peer this route knows and still probes, at the consent interval: the
   * direct and carried ones it left (never a relay's), each with its probe state, its {@code
   * consentedAt} the time of its latest answer. Written on the socket's event loop (the prober)
   * and by a move; read by the path policy.
   */
  final java.util.Map<TransportPath, Probing> alternatives = new java.util.concurrent.ConcurrentHashMap<>();
  /** Guarded by the Routes (moves are made under their lock): how many paths the route left. */
  private long alternativesLeft;
  /** A consent time for a path never answered: long before any other. */
  static final long NEVER = Long.MIN_VALUE / 4;

  /** Whether an operator chose the path: the path policy leaves the route alone. */
  volatile boolean pinned;

  /**
   * The key the route's path probes and their answers carry ({@link ConsentKey}): null until a
   * connection with the peer is established, and no probe goes or is answered before.
   */
  volatile byte[] consentKey;

  /** Null until the peer proves its identity (an inbound connection from a new address). */
  private volatile NodeId peer;

  private volatile TransportPath path;

  Route(InetSocketAddress virtualAddress, NodeId peer, TransportPath path) {
    this.virtualAddress = virtualAddress;
    this.peer = peer;
    this.path = path;
  }

  NodeId peer() {
    return peer;
  }

  void peer(NodeId id) {
    this.peer = id;
    touched();
  }

  TransportPath path() {
    return path;
  }

  /**
   * Moves to a path; a real move (another path) is kept among the route's latest moves.
   *
   * @return the move, if it was one
   */
  java.util.Optional<PathMove> path(TransportPath path, String reason, java.time.Instant at) {
    if (!path.equals(this.path)) {
      TransportPath from = this.path;
      this.path = path;
      packetsOnPath = 0;
      alternatives.remove(path);
      leftFor(from);
      // The new path's probing starts afresh: what the old one had outstanding (it may be the same
      // path, come back) says nothing about it now.
      probing = null;
      touched();
      synchronized (moves) {
        PathMove move = new PathMove(at, from.kind(), path.kind(), path.nextHop(), reason);
        moves.addLast(move);
        while (moves.size() > MAX_MOVES) {
          moves.removeFirst();
        }
        return java.util.Optional.of(move);
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * The route left {@code from}: a path straight to the peer or through a carrier stays an
   * alternative, probed from now on (its consent as it stood), the oldest dropped past {@link
   * #MAX_ALTERNATIVES}.
   */
  private void leftFor(TransportPath from) {
    if (from.kind().relayed() || from instanceof TransportPath.Relayed) {
      return;
    }
    Probing was = probing;
    Probing p = new Probing(from, 0, 0, 0, 0);
    p.consentedAt = was != null && was.path == from ? was.consentedAt : NEVER;
    p.leftOrder = ++alternativesLeft;
    p.unvisited = true; // the prober starts its clock, in its own time
    alternatives.put(from, p);
    while (alternatives.size() > MAX_ALTERNATIVES) {
      alternatives.values().stream().min(java.util.Comparator.comparingLong(a -> a.leftOrder))
          .ifPresent(oldest -> alternatives.remove(oldest.path));
    }
  }

  /** The route's latest moves, oldest first. */
  java.util.List<PathMove> moves() {
    synchronized (moves) {
      return java.util.List.copyOf(moves);
    }
  }

  /** One packet arrived over the current path. */
  void arrivedOnPath() {
    packetsOnPath++; // the event loop's alone: no lost update
    touched();
  }

  /** A packet of {@code bytes} goes to the peer over the route's path. */
  void sent(int bytes) {
    bytesSent.add(bytes);
    touched();
  }

  /**
   * Whether this side leaves the route's path to the peer's probes: every connection on it is a
   * session the peer opened with this node as its hub. The peer dialled, its handshake proved its
   * address, and its own probes check the path (they keep its NAT's mapping open, and it is the
   * one that can move); the hub has no other path to it. A hub that probed each of its thousands of
   * nodes as well doubled the probes it handles, and those it sent when its own event loop fell
   * behind (every path looks quiet then) only loaded that loop more.
   */
  boolean probedByPeerAlone() {
    int sessions = hubSessions;
    return sessions > 0 && sessions == uses;
  }

  /** Something the path prober watches changed: it looks at the route at its next tick. */
  void touched() {
    if (!probeStale) { // most packets find it set: a read costs less than a write
      probeStale = true;
    }
  }

  @Override
  public String toString() {
    return virtualAddress + " -> " + path;
  }
}
