package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import io.macula.nat.transport.api.TransportPath;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every peer's route, found by its virtual address (packets QUIC sends), its node id (relayed
 * packets), or a real address it sent from directly.
 *
 * <p>A route lives while something uses it: a connect under way, or a connection. A route that a
 * packet from an unknown sender made (an Initial, a relayed packet from a node this one never
 * heard of) is unconfirmed until a connection on it is established: such routes wait in a small
 * table, oldest first, which drops them when it is full or when they are older than {@link
 * #UNCONFIRMED_LIFETIME}. So no packet from an unauthenticated sender makes state that outlives
 * that table.
 */
final class Routes {
  /** fd6d:6163:756c:6100::/64, a unique local range (RFC 4193) no packet ever leaves on. */
  private static final byte[] PREFIX = {(byte) 0xfd, 0x6d, 0x61, 0x63, 0x75, 0x6c, 0x61, 0x00};
  static final int MAX_UNCONFIRMED = 256;
  /** Unconfirmed routes whose sender proved its address with a Retry token: spoofers cannot evict them. */
  static final int MAX_VALIDATED = 1024;
  static final Duration UNCONFIRMED_LIFETIME = Duration.ofSeconds(20);

  private final SecureRandom random = new SecureRandom();
  private final Clock clock;
  private final Map<InetSocketAddress, Route> byVirtual = new ConcurrentHashMap<>();
  /** Written under this lock, read by the prober without it. */
  private volatile int changes;
  private final Map<NodeId, Route> byPeer = new ConcurrentHashMap<>();
  private final Map<InetSocketAddress, Route> byDirect = new ConcurrentHashMap<>();
  private final Map<TransportPath.Carried, Route> byCarried = new ConcurrentHashMap<>();
  /** Guarded by this: unconfirmed routes, oldest first, with the time each was made. */
  private final LinkedHashMap<Route, Instant> unconfirmed = new LinkedHashMap<>();
  /** Guarded by this: unconfirmed routes of senders that proved their address, oldest first. */
  private final LinkedHashMap<Route, Instant> validated = new LinkedHashMap<>();

  private final MoveCounts moveCounts = new MoveCounts();

  /** The moves between kinds of path so far, by cause. */
  java.util.List<io.macula.nat.transport.api.PathMoveCount> moveCounts() {
    return moveCounts.snapshot();
  }

  Routes(Clock clock) {
    this.clock = clock;
  }

  /**
   * The peer's route for a connect, made with {@code path} if it has none yet (an existing one
   * keeps its own). The connect holds it until {@link #release}.
   */
  synchronized Route holdForPeer(NodeId peer, TransportPath path) {
    Route r = byPeer.get(peer);
    if (r == null) {
      r = registerLocked(new Route(newVirtualAddressLocked(), peer, path));
      byPeer.put(peer, r);
    }
    holdLocked(r);
    return r;
  }

  /** An unconfirmed route for a sender not yet known: its packets arrived straight from {@code sender}. */
  synchronized Route forNewSender(InetSocketAddress sender) {
    Route r = byDirect.get(sender);
    if (r != null) {
      return r;
    }
    r = registerLocked(new Route(newVirtualAddressLocked(), null, new TransportPath.Direct(sender)));
    admitLocked(unconfirmed, MAX_UNCONFIRMED, r);
    return r;
  }

  /**
   * The route of packets a carrier brought from {@code path.peer()}: the one they belong to, else,
   * for a client's first packet ({@code initial}), a new unconfirmed one; null for anything else.
   */
  Route forCarried(TransportPath.Carried path, boolean initial) {
    Route r = byCarried.get(path);
    if (r != null || !initial) {
      return r;
    }
    synchronized (this) {
      r = byCarried.get(path);
      if (r == null) {
        r = registerLocked(new Route(newVirtualAddressLocked(), null, path));
        admitLocked(unconfirmed, MAX_UNCONFIRMED, r);
      }
      return r;
    }
  }

  /**
   * The sender of an unconfirmed route proved its address (its Initial carried a valid Retry
   * token): the route moves to a table of its own, which packets from forged senders cannot fill.
   */
  synchronized void validated(Route route) {
    if (unconfirmed.remove(route) != null) {
      admitLocked(validated, MAX_VALIDATED, route);
    }
  }

  /** How many entries each table holds now: what to watch for state that outgrows its bounds. */
  synchronized Map<String, Integer> sizes() {
    return Map.of("routes", byVirtual.size(), "routes-by-peer", byPeer.size(),
        "direct-addresses", byDirect.size(), "carried-addresses", byCarried.size(), "routes-unconfirmed", unconfirmed.size(),
        "routes-validated", validated.size());
  }

  /**
   * How many senders' handshakes are under way unproven: the unconfirmed routes of the last
   * {@link #UNCONFIRMED_LIFETIME} (expired ones are dropped first; a validated sender's are not
   * among them).
   */
  synchronized int unproven() {
    trimLocked(unconfirmed, Integer.MAX_VALUE);
    return unconfirmed.size();
  }

  /** Whether a route waits, unconfirmed, in one of the tables. */
  synchronized boolean isUnconfirmed(Route route) {
    return unconfirmed.containsKey(route) || validated.containsKey(route);
  }

  /**
   * The route a relay's packet from {@code peer} belongs to: the peer's own, or an unconfirmed one
   * for a peer this node does not know yet, on a path of the relay's {@code kind}.
   */
  Route forRelayed(NodeId peer, InetSocketAddress relay, PathKind kind) {
    Route r = byPeer.get(peer);
    if (r != null) {
      return r;
    }
    synchronized (this) {
      r = byPeer.get(peer);
      if (r == null) {
        r = registerLocked(new Route(newVirtualAddressLocked(), peer,
            new TransportPath.Relayed(relay, peer, kind)));
        byPeer.put(peer, r);
        admitLocked(unconfirmed, MAX_UNCONFIRMED, r);
      }
      return r;
    }
  }

  /** Every route, live: what the path prober goes over. */
  Iterable<Route> all() {
    return byVirtual.values();
  }

  /** How many times a route was added or removed: the prober copies {@link #all} again only after one was. */
  int changes() {
    return changes;
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
   * A connection on the route is established (its peer proved its identity): the route is
   * confirmed, and held until the connection ends. If the peer has another route already, that
   * one is kept for later connections; this one goes on serving the connection that made it.
   */
  synchronized void established(Route route, NodeId peer) {
    if (route.peer() == null) {
      route.peer(peer);
    }
    byPeer.putIfAbsent(peer, route);
    unconfirmed.remove(route);
    validated.remove(route);
    route.handshakeArrived = null;
    holdLocked(route);
  }

  /** A connection on the route is a session its peer opened with this node as its hub. */
  synchronized void hubSessionOpened(Route route) {
    route.hubSessions++;
    route.touched();
  }

  /** Such a session ended; before its connection releases the route. */
  synchronized void hubSessionClosed(Route route) {
    route.hubSessions--;
    route.touched();
  }

  /**
   * A connect or connection on the route is over: the route goes when nothing uses it, unless a
   * handshake its peer began beside it may still be running ({@link #handshakeArrived}). That one
   * would lose the route its packets come by: such a route waits among the unconfirmed instead,
   * for the new connection to hold it, or to expire with that table's others.
   */
  synchronized void release(Route route) {
    route.uses--;
    if (route.uses <= 0 && !unconfirmed.containsKey(route) && !validated.containsKey(route)) {
      Instant handshake = route.handshakeArrived;
      if (handshake != null && handshake.isAfter(clock.instant().minus(UNCONFIRMED_LIFETIME))) {
        admitLocked(unconfirmed, MAX_UNCONFIRMED, route);
      } else {
        removeLocked(route);
      }
    }
  }

  /**
   * A remote client's Initial came on a route something uses: its peer dials a new connection
   * beside one it has (it may be closing that one), so the route must outlive the old one's end.
   */
  synchronized void handshakeArrived(Route route) {
    if (route.uses > 0) {
      route.handshakeArrived = clock.instant();
    }
  }

  /** Moves a route to another path; packets still arriving over the old one are still taken. */
  synchronized void switchPath(Route route, TransportPath path) {
    switchPath(route, path, "a connect over it");
  }

  /** Moves a route to another path, as {@link #switchPath(Route, TransportPath)}, and says why in its moves. */
  synchronized void switchPath(Route route, TransportPath path, String reason) {
    route.path(path, reason, clock.instant()).ifPresent(moveCounts::count);
    addPath(route, path);
  }

  /** Takes packets arriving over {@code path} as the route's, without moving it there. */
  synchronized void addPath(Route route, TransportPath path) {
    if (byVirtual.get(route.virtualAddress) != route) {
      return;
    }
    if (path instanceof TransportPath.Direct d) {
      byDirect.put(d.address(), route);
      route.directAddresses.add(d.address());
    } else if (path instanceof TransportPath.Carried c) {
      byCarried.put(c, route);
      route.carriedPaths.add(c);
    }
  }

  /** Forgets that packets from {@code address} belong to {@code route}: it was not the peer. */
  synchronized void forget(InetSocketAddress address, Route route) {
    byDirect.remove(address, route);
    route.directAddresses.remove(address);
  }

  /** Whether an address is a virtual one, of a route that exists or existed. */
  static boolean isVirtual(InetSocketAddress address) {
    return io.macula.nat.transport.api.Endpoint.isVirtual(address.getAddress());
  }

  /** How each route's packets arrive, for the address validation token: the path, never the virtual address. */
  String origin(InetSocketAddress virtualAddress) {
    Route r = byVirtual.get(virtualAddress);
    if (r == null) {
      return "unknown " + virtualAddress;
    }
    if (r.path() instanceof TransportPath.Relayed rel) {
      return "relay " + rel.relay() + " " + rel.peer();
    }
    if (r.path() instanceof TransportPath.Carried c) {
      return "carried " + System.identityHashCode(c.carrier()) + " " + c.peer();
    }
    return directOrigin(r.path().nextHop());
  }

  /** The origin of packets straight from {@code sender}, as {@link #origin} names it. */
  static String directOrigin(InetSocketAddress sender) {
    return "direct " + sender;
  }

  /** How many routes exist, and how many of them are unconfirmed. */
  synchronized int[] counts() {
    return new int[] {byVirtual.size(), unconfirmed.size() + validated.size()};
  }

  private void holdLocked(Route r) {
    r.uses++;
  }

  /** Puts a route in a table of unconfirmed ones, dropping the expired and, when full, the oldest. */
  private void admitLocked(LinkedHashMap<Route, Instant> table, int max, Route r) {
    trimLocked(table, max - 1);
    table.put(r, clock.instant());
  }

  /**
   * Drops a table's routes older than {@link #UNCONFIRMED_LIFETIME}, and its oldest while it holds
   * more than {@code keep}.
   */
  private void trimLocked(LinkedHashMap<Route, Instant> table, int keep) {
    Instant oldest = clock.instant().minus(UNCONFIRMED_LIFETIME);
    for (Iterator<Map.Entry<Route, Instant>> i = table.entrySet().iterator(); i.hasNext(); ) {
      Map.Entry<Route, Instant> e = i.next();
      if (e.getValue().isAfter(oldest) && table.size() <= keep) {
        break;
      }
      i.remove();
      if (e.getKey().uses <= 0) {
        removeLocked(e.getKey());
      }
    }
  }

  private Route registerLocked(Route r) {
    byVirtual.put(r.virtualAddress, r);
    changes++;
    if (r.path() instanceof TransportPath.Direct d && byDirect.putIfAbsent(d.address(), r) == null) {
      r.directAddresses.add(d.address());
    }
    if (r.path() instanceof TransportPath.Carried c && byCarried.putIfAbsent(c, r) == null) {
      r.carriedPaths.add(c);
    }
    return r;
  }

  private void removeLocked(Route r) {
    if (byVirtual.remove(r.virtualAddress, r)) {
      changes++;
    }
    if (r.peer() != null) {
      byPeer.remove(r.peer(), r);
    }
    r.directAddresses.forEach(a -> byDirect.remove(a, r));
    r.directAddresses.clear();
    r.carriedPaths.forEach(c -> byCarried.remove(c, r));
    r.carriedPaths.clear();
  }

  /** A random address in the prefix: nothing about one peer's tells another's. */
  private InetSocketAddress newVirtualAddressLocked() {
    byte[] a = new byte[16];
    while (true) {
      random.nextBytes(a);
      System.arraycopy(PREFIX, 0, a, 0, PREFIX.length);
      try {
        InetSocketAddress v = new InetSocketAddress(Inet6Address.getByAddress(null, a, -1), 4433);
        if (!byVirtual.containsKey(v)) {
          return v;
        }
      } catch (UnknownHostException e) {
        throw new IllegalStateException("16 bytes are an IPv6 address", e);
      }
    }
  }
}
