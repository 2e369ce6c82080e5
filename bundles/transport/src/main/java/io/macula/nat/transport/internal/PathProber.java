package io.macula.nat.transport.internal;

import io.macula.nat.transport.api.AlternativePath;
import io.macula.nat.transport.api.TransportPath;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Keeps asking whether each route's path (straight to the peer, or through a carrier: a TURN
 * allocation, a TCP stream) still passes traffic, and whether the peer still consents to it, as
 * ICE does (RFC 7675): a probe every {@link #CONSENT_CHECK}, randomized 0.8 to 1.2 times, busy or
 * idle (which also keeps NAT mappings open), and one at once when nothing arrived for {@link
 * #QUIET} after this node sent; unanswered probes are sent again every {@link #RETRY}. A route
 * whose probe goes unanswered says since when, and the node's path policy moves it; a path whose
 * probes went unanswered for the consent lifetime ({@link #CONSENT_LIFETIME}) has lost consent,
 * and nothing but probes is sent on it until one is answered. The paths a route left are probed
 * too, for a while ({@link #tickAlternative}). On the socket's event loop, which owns the routes'
 * probe state.
 */
final class PathProber {
  static final Duration QUIET = Duration.ofMillis(300);
  static final Duration RETRY = Duration.ofMillis(250);
  static final Duration CONSENT_CHECK = Duration.ofSeconds(5);
  static final Duration CONSENT_LIFETIME = Duration.ofSeconds(30);
  static final Duration INTERVAL = Duration.ofMillis(100);
  /** How long a path the route left is probed while it answers nothing. */
  static final Duration ALTERNATIVE_LIFETIME = Duration.ofMinutes(2);
  /** For this long after the route left a path, an unanswered probe of it goes again every second. */
  static final Duration FRESHLY_LEFT = Duration.ofSeconds(30);

  /** A path left a moment ago (a mapping lost, a rule added) may soon work again: it is asked more often. */
  private long alternativeRetryNanos(long leftNanosAgo) {
    return leftNanosAgo < FRESHLY_LEFT.toNanos() ? Math.min(1_000_000_000L, checkNanos) : checkNanos;
  }

  /**
   * The interval of the consent checks: {@link #CONSENT_CHECK}, or less where the NAT forgets idle
   * mappings sooner (two thirds of its measured lifetime: randomized, a check still comes within
   * 0.8 of it). Any thread may set it.
   */
  private volatile long checkNanos = CONSENT_CHECK.toNanos();

  /** The NAT forgets idle mappings after about {@code lifetime}: the checks come well within it. */
  void mappingLifetime(Duration lifetime) {
    checkNanos = Math.max(1, Math.min(CONSENT_CHECK.toNanos(), lifetime.toNanos() * 2 / 3));
  }

  /** The consent checks' interval now, before randomization. */
  Duration checkInterval() {
    return Duration.ofNanos(checkNanos);
  }

  private final Iterable<Route> routes;
  /** Sends a route's probe with its transaction id over one of its paths. */
  interface Sender {
    void send(Route route, TransportPath path, byte[] transaction);
  }

  private final Sender send;
  private final RandomGenerator random;
  private final long consentLifetime;

  PathProber(Iterable<Route> routes, Sender send, RandomGenerator random,
      Duration consentLifetime) {
    this.routes = routes;
    this.send = send;
    this.random = random;
    this.consentLifetime = consentLifetime.toNanos();
  }

  /** One round over the routes at {@code nowNanos}. */
  void tick(long nowNanos) {
    for (Route r : routes) {
      TransportPath path = r.path();
      if (r.peer() == null) {
        continue;
      }
      // A node that relays is probed as a direct path is (it may go at any time); the hub relay,
      // the floor beneath every connection, is not.
      if (path instanceof TransportPath.Direct || path instanceof TransportPath.Carried
          || path.kind() == io.macula.nat.api.PathKind.PEER_RELAY) {
        tick(r, path, nowNanos);
      }
      for (Route.Probing alternative : r.alternatives.values()) {
        tickAlternative(r, alternative, nowNanos);
      }
    }
  }

  /**
   * A path the route left, probed at the consent interval (an unanswered probe again every second
   * for {@link #FRESHLY_LEFT} after the route left it, then at that interval) so that the path
   * policy knows whether it works now; forgotten once it has not answered for {@link
   * #ALTERNATIVE_LIFETIME}.
   */
  private void tickAlternative(Route r, Route.Probing p, long now) {
    if (p.unvisited) {
      p.unvisited = false;
      p.lastSend = now; // for an alternative: when the route left it
      p.nextCheck = now; // at once: a path left just now may answer again soon
      if (p.consentedAt == Route.NEVER) {
        p.consentedAt = now - ALTERNATIVE_LIFETIME.toNanos() / 2; // unanswered, it goes in half the time
      }
    }
    if (now - p.consentedAt > ALTERNATIVE_LIFETIME.toNanos()) {
      r.alternatives.remove(p.path, p);
      return;
    }
    if (p.nextCheck - now > checkNanos + checkNanos / 5) {
      p.nextCheck = nextCheck(now);
    }
    if (p.transaction == null && now - p.nextCheck >= 0) {
      p.transaction = PathProbe.newTransaction();
      p.probeSent = now;
      p.nextCheck = nextCheck(now);
      send.send(r, p.path, p.transaction);
    } else if (p.transaction != null && now - p.probeSent > alternativeRetryNanos(now - p.lastSend)) {
      p.transaction = PathProbe.newTransaction();
      p.probeSent = now;
      send.send(r, p.path, p.transaction);
    }
  }

  /** When the next consent check is due: {@link #CONSENT_CHECK} times 0.8 to 1.2, so checks do not fall in step. */
  private long nextCheck(long now) {
    return now + (long) (checkNanos * (0.8 + 0.4 * random.nextDouble()));
  }

  private void tick(Route r, TransportPath path, long now) {
    Route.Probing p = r.probing;
    long packets = r.packetsOnPath;
    long sent = r.bytesSent.sum();
    if (p == null || p.path != path) {
      // Whoever moved the route here validated the path (a connect, ICE checks): consent from now.
      r.probing = new Route.Probing(path, packets, sent, now, nextCheck(now));
      return;
    }
    if (p.nextCheck - now > checkNanos + checkNanos / 5) {
      p.nextCheck = nextCheck(now); // the interval shrank (a short NAT lifetime measured): not the old one's
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
      if (quietAfterSending || now - p.nextCheck >= 0) {
        p.transaction = PathProbe.newTransaction();
        p.probeSent = now;
        p.unansweredSince = now;
        p.nextCheck = nextCheck(now);
        send.send(r, path, p.transaction);
      }
    } else if (now - p.probeSent > (p.consentLost ? checkNanos : RETRY.toNanos())) {
      p.probeSent = now;
      send.send(r, path, p.transaction);
    }
    p.consentLost = now - p.consentedAt > consentLifetime;
  }

  /** Whether the route's path lost its consent: nothing but probes may be sent on it. */
  static boolean withoutConsent(Route r, TransportPath path) {
    Route.Probing p = r.probing;
    return p != null && p.path == path && p.consentLost;
  }

  /**
   * A probe's answer came: if to the route's current path's probe, the path lives and the peer
   * consents to it; if to an alternative's, that path works again.
   */
  static void answered(Route r, io.netty.buffer.ByteBuf answer, long nowNanos) {
    Route.Probing p = r.probing;
    if (p != null && p.transaction != null && PathProbe.answers(answer, p.transaction)) {
      p.transaction = null;
      p.lastArrival = nowNanos;
      p.consentedAt = nowNanos; // only an answer to its own probe tells that the peer takes what this side sends
      p.consentLost = false;
      p.rttNanos = nowNanos - p.probeSent;
      return;
    }
    for (Route.Probing a : r.alternatives.values()) {
      if (a.transaction != null && PathProbe.answers(answer, a.transaction)) {
        a.transaction = null;
        a.rttNanos = nowNanos - a.probeSent;
        a.consentedAt = nowNanos;
        return;
      }
    }
  }

  /** The paths the route left, as of {@code nowNanos}: those that answered since first, the quickest first. */
  static java.util.List<AlternativePath> alternatives(Route r, long nowNanos) {
    return r.alternatives.values().stream()
        .filter(a -> !a.unvisited)
        .sorted(java.util.Comparator.comparingLong((Route.Probing a) -> a.rttNanos < 0 ? 1 : 0)
            .thenComparingLong(a -> a.rttNanos))
        .map(a -> a.rttNanos < 0
            ? new AlternativePath(a.path, java.util.Optional.empty(), java.util.Optional.empty())
            : new AlternativePath(a.path, java.util.Optional.of(Duration.ofNanos(nowNanos - a.consentedAt)),
                java.util.Optional.of(Duration.ofNanos(a.rttNanos))))
        .toList();
  }
}
