package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import io.macula.nat.transport.api.TransportPath;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every peer's route, found by its virtual address (packets QUIC sends), its node id (relayed
 * packets), or a real address it sent from directly.
 */
final class Routes {
  /** fd6d:6163:756c:6100::/64, a unique local range (RFC 4193) no packet ever leaves on. */
  private static final byte[] PREFIX = {(byte) 0xfd, 0x6d, 0x61, 0x63, 0x75, 0x6c, 0x61, 0x00};

  private final AtomicLong next = new AtomicLong(1);
  private final Map<InetSocketAddress, Route> byVirtual = new ConcurrentHashMap<>();
  private final Map<NodeId, Route> byPeer = new ConcurrentHashMap<>();
  private final Map<InetSocketAddress, Route> byDirect = new ConcurrentHashMap<>();

  /** The peer's route, made with {@code path} if it has none yet; an existing one keeps its own. */
  Route forPeer(NodeId peer, TransportPath path) {
    Route r = byPeer.get(peer);
    if (r != null) {
      return r;
    }
    synchronized (this) {
      r = byPeer.get(peer);
      if (r == null) {
        r = register(new Route(newVirtualAddress(), peer, path));
        byPeer.put(peer, r);
      }
      return r;
    }
  }

  /** A route for a sender not yet known: its packets arrived straight from {@code sender}. */
  synchronized Route forNewSender(InetSocketAddress sender) {
    Route r = byDirect.get(sender);
    return r != null ? r : register(new Route(newVirtualAddress(), null, new TransportPath.Direct(sender)));
  }

  Route byVirtual(InetSocketAddress virtualAddress) {
    return byVirtual.get(virtualAddress);
  }

  Route byDirect(InetSocketAddress sender) {
    return byDirect.get(sender);
  }

  Route byPeer(NodeId peer) {
    return byPeer.get(peer);
  }

  /**
   * A route's peer proved its identity. If the peer has a route already, that one is kept for
   * later connections; this one goes on serving the connection that made it.
   */
  void identify(Route route, NodeId peer) {
    route.peer(peer);
    byPeer.putIfAbsent(peer, route);
  }

  /** Moves a route to another path; packets still arriving over the old one are still taken. */
  void switchPath(Route route, TransportPath path) {
    route.path(path);
    if (path instanceof TransportPath.Direct d) {
      byDirect.put(d.address(), route);
    }
  }

  /** Forgets that packets from {@code address} belong to {@code route}: it was not the peer. */
  void forget(InetSocketAddress address, Route route) {
    byDirect.remove(address, route);
  }

  /** The route a relay's packet from {@code peer} belongs to. */
  Route forRelayed(NodeId peer, InetSocketAddress relay) {
    return forPeer(peer, new TransportPath.Relayed(relay, peer, PathKind.HUB_RELAY));
  }

  /** Called holding this object's lock. */
  private Route register(Route r) {
    byVirtual.put(r.virtualAddress, r);
    if (r.path() instanceof TransportPath.Direct d) {
      byDirect.putIfAbsent(d.address(), r);
    }
    return r;
  }

  private InetSocketAddress newVirtualAddress() {
    long n = next.getAndIncrement();
    byte[] a = new byte[16];
    System.arraycopy(PREFIX, 0, a, 0, PREFIX.length);
    for (int i = 0; i < 8; i++) {
      a[15 - i] = (byte) (n >>> (8 * i));
    }
    try {
      return new InetSocketAddress(Inet6Address.getByAddress(null, a, -1), 4433);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("16 bytes are an IPv6 address", e);
    }
  }
}
