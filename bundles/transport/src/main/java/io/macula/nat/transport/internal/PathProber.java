package io.macula.nat.transport.internal;

import io.macula.nat.transport.api.TransportPath;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * Keeps asking whether each route's direct path still passes traffic, as ICE's consent checks
 * do: a probe when nothing arrived for {@link #QUIET} after this node sent, and one every {@link
 * #KEEPALIVE} on an idle route (which also keeps its NAT mappings open); unanswered probes are
 * sent again every {@link #RETRY}. A route whose probe goes unanswered says since when, and the
 * node's path policy moves it. On the socket's event loop, which owns the routes' probe state.
 */
final class PathProber {
  static final Duration QUIET = Duration.ofMillis(300);
  static final Duration RETRY = Duration.ofMillis(250);
  static final Duration KEEPALIVE = Duration.ofSeconds(5);
  static final Duration INTERVAL = Duration.ofMillis(100);

  private final Iterable<Route> routes;
  /** Sends a probe with its transaction id to an address. */
  private final BiConsumer<InetSocketAddress, byte[]> send;

  PathProber(Iterable<Route> routes, BiConsumer<InetSocketAddress, byte[]> send) {
    this.routes = routes;
    this.send = send;
  }

  /** One round over the routes at {@code nowNanos}. */
  void tick(long nowNanos) {
    for (Route r : routes) {
      if (r.peer() != null && r.path() instanceof TransportPath.Direct d) {
        tick(r, d.address(), nowNanos);
      }
    }
  }

  private void tick(Route r, InetSocketAddress to, long now) {
    Route.Probing p = r.probing;
    long packets = r.packetsOnPath;
    long sent = r.bytesSent.sum();
    if (p == null || p.path != r.path()) {
      r.probing = new Route.Probing(r.path(), packets, sent, now);
      return;
    }
    if (packets != p.packets) {
      p.packets = packets;
      p.lastArrival = now;
      p.transaction = null; // the path answered, one way or another
    }
    if (sent != p.sent) {
      p.sent = sent;
      p.lastSend = now;
    }
    if (p.transaction == null) {
      boolean quietAfterSending = p.lastSend > p.lastArrival && now - p.lastArrival > QUIET.toNanos();
      if (quietAfterSending || now - p.lastArrival > KEEPALIVE.toNanos()) {
        p.transaction = PathProbe.newTransaction();
        p.probeSent = now;
        p.unansweredSince = now;
        send.accept(to, p.transaction);
      }
    } else if (now - p.probeSent > RETRY.toNanos()) {
      p.probeSent = now;
      send.accept(to, p.transaction);
    }
  }

  /** A probe's answer came from {@code from}: the route's path lives. */
  static void answered(Route r, io.netty.buffer.ByteBuf answer, long nowNanos) {
    Route.Probing p = r.probing;
    if (p != null && p.transaction != null && PathProbe.answers(answer, p.transaction)) {
      p.transaction = null;
      p.lastArrival = nowNanos;
    }
  }
}
