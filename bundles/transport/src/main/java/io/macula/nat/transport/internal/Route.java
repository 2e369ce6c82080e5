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
  /** Guarded by the Routes: connects and connections using the route. */
  int uses;
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

  /** What the prober knows of one path of the route: when packets last came, and its probe. */
  static final class Probing {
    final TransportPath path;
    long packets;
    long sent;
    long lastArrival;
    long lastSend;
    long probeSent;
    /** The outstanding probe's transaction id, or null when none is. */
    volatile byte[] transaction;
    volatile long unansweredSince;
    /** When a probe was last answered (or the path taken): consent lasts 30 s from then. */
    long consentedAt;
    /** When the next consent check is due. */
    long nextCheck;
    /** Read by the sending side: no packet but a probe goes on a path without consent. */
    volatile boolean consentLost;

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

  /** Whether an operator chose the path: the path policy leaves the route alone. */
  volatile boolean pinned;

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
  }

  TransportPath path() {
    return path;
  }

  /** Moves to a path; a real move (another path) is kept among the route's latest moves. */
  void path(TransportPath path, String reason, java.time.Instant at) {
    if (!path.equals(this.path)) {
      TransportPath from = this.path;
      this.path = path;
      packetsOnPath = 0;
      synchronized (moves) {
        moves.addLast(new PathMove(at, from.kind(), path.kind(), path.nextHop(), reason));
        while (moves.size() > MAX_MOVES) {
          moves.removeFirst();
        }
      }
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
  }

  @Override
  public String toString() {
    return virtualAddress + " -> " + path;
  }
}
