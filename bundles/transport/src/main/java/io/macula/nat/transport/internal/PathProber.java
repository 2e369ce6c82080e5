package io.macula.nat.transport.internal;

import io.macula.nat.transport.api.TransportPath;
import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.random.RandomGenerator;

/**
 * Keeps asking whether each route's path (straight to the peer, or through a carrier: a TURN
 * allocation, a TCP stream) still passes traffic, and whether the peer still consents to it, as
 * ICE does (RFC 7675): a probe every {@link #CONSENT_CHECK}, randomized 0.8 to 1.2 times, busy or
 * idle (which also keeps NAT mappings open), and one at once when nothing arrived for {@link
 * #QUIET} after this node sent; unanswered probes are sent again every {@link #RETRY}. A route
 * whose probe goes unanswered says since when, and the node's path policy moves it; a path whose
 * probes went unanswered for the consent lifetime ({@link #CONSENT_LIFETIME}) has lost consent, and nothing but probes is
 * sent on it until one is answered. On the socket's event loop, which owns the routes' probe state.
 */
final class PathProber {
  static final Duration QUIET = Duration.ofMillis(300);
  static final Duration RETRY = Duration.ofMillis(250);
  static final Duration CONSENT_CHECK = Duration.ofSeconds(5);
  static final Duration CONSENT_LIFETIME = Duration.ofSeconds(30);
  static final Duration INTERVAL = Duration.ofMillis(100);

  private final Iterable<Route> routes;
  /** Sends a probe with its transaction id over a path. */
  private final BiConsumer<TransportPath, byte[]> send;
  private final RandomGenerator random;
  private final long consentLifetime;

  PathProber(Iterable<Route> routes, BiConsumer<TransportPath, byte[]> send, RandomGenerator random,
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
      if (r.peer() != null && (path instanceof TransportPath.Direct || path instanceof TransportPath.Carried)) {
        tick(r, path, nowNanos);
      }
    }
  }

  /** When the next consent check is due: {@link #CONSENT_CHECK} times 0.8 to 1.2, so checks do not fall in step. */
  private long nextCheck(long now) {
    return now + (long) (CONSENT_CHECK.toNanos() * (0.8 + 0.4 * random.nextDouble()));
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
        send.accept(path, p.transaction);
      }
    } else if (now - p.probeSent > (p.consentLost ? CONSENT_CHECK : RETRY).toNanos()) {
      p.probeSent = now;
      send.accept(path, p.transaction);
    }
    p.consentLost = now - p.consentedAt > consentLifetime;
  }

  /** Whether the route's path lost its consent: nothing but probes may be sent on it. */
  static boolean withoutConsent(Route r, TransportPath path) {
    Route.Probing p = r.probing;
    return p != null && p.path == path && p.consentLost;
  }

  /** A probe's answer came over the route's path: the path lives, and the peer consents to it. */
  static void answered(Route r, io.netty.buffer.ByteBuf answer, long nowNanos) {
    Route.Probing p = r.probing;
    if (p != null && p.transaction != null && PathProbe.answers(answer, p.transaction)) {
      p.transaction = null;
      p.lastArrival = nowNanos;
      p.consentedAt = nowNanos; // only an answer to its own probe tells that the peer takes what this side sends
      p.consentLost = false;
    }
  }
}
