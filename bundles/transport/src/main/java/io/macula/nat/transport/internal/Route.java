package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
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

  void path(TransportPath path) {
    this.path = path;
  }

  @Override
  public String toString() {
    return virtualAddress + " -> " + path;
  }
}
