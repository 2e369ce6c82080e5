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
 * #QUIET} (or three of the path's round trips, if longer, up to {@link #MAX_QUIET}) after this node sent; an unanswered
 * probe is sent again after {@link #RETRY}, then after twice as long each time, up to {@link
 * #MAX_RETRY}, as STUN retransmits. A tick sends at most {@link #budget} probes, of which at most
 * {@link #URGENT_PER_TICK} of quiet paths and retries: a node with thousands of routes (a hub)
 * whose peers answer late must not answer with a flood. A route
 * whose probe goes unanswered says since when, and the node's path policy moves it; a path whose
 * probes went unanswered for the consent lifetime ({@link #CONSENT_LIFETIME}) has lost consent,
 * and nothing but probes is sent on it until one is answered. The paths a route left are probed
 * too, for a while ({@link #tickAlternative}). A tick looks only at the routes something happened
 * on since the last one and at those whose probing is due: a hub's thousands of routes, walked in
 * full ten times a second, took about a third of its event loop's busy time. On the socket's
 * event loop, which owns the routes' probe state.
 */
final class PathProber {
  static final Duration QUIET = Duration.ofMillis(300);
  static final Duration MAX_QUIET = Duration.ofSeconds(1);
  static final Duration RETRY = Duration.ofMillis(250);
  /** The longest wait before an unanswered probe goes again (on a path that still has consent). */
  static final Duration MAX_RETRY = Duration.ofSeconds(2);
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
    revisitAll = true; // checks due later than the new interval allows come sooner
  }

  /** Set when every route must be looked at in the next tick, whatever its due time. */
  private volatile boolean revisitAll;

  /** The consent checks' interval now, before randomization. */
  Duration checkInterval() {
    return Duration.ofNanos(checkNanos);
  }

  private final Iterable<Route> routes;
  /** How many times a route was added to or removed from {@link #routes}: the round is copied again after one. */
  private final java.util.function.IntSupplier routesChanged;
  /** Sends a route's probe with its transaction id over one of its paths. */
  interface Sender {
    void send(Route route, TransportPath path, byte[] transaction);
  }

  private final Sender send;
  private final RandomGenerator random;
  private final long consentLifetime;

  PathProber(Iterable<Route> routes, java.util.function.IntSupplier routesChanged, Sender send,
      RandomGenerator random, Duration consentLifetime) {
    this.routes = routes;
    this.routesChanged = routesChanged;
    this.send = send;
    this.random = random;
    this.consentLifetime = consentLifetime.toNanos();
  }

  /** How far ahead a route with nothing due is looked at again anyway: far, and never past nanoTime's wrap. */
  private static final long IDLE_HORIZON = Duration.ofHours(1).toNanos();

  /** The routes of this tick: copied at its start when they changed since the last copy. */
  private final java.util.ArrayList<Route> round = new java.util.ArrayList<>();
  private int roundCopiedAt;
  private boolean roundCopied;
  /** Whether the budget turned down a probe of the route this tick looks at now: it stays due. */
  private boolean refused;
  /** How many times a tick looked at a route (not counting those it passed over): the socket's event loop's alone. */
  private long visits;
  /** Where the next tick starts in its round: the first route the last tick's budget turned down. */
  private int resumeAt;
  /** Where this tick is in its round, and whether its budget turned a route down yet. */
  private int at;
  private boolean ranOut;
  /** Probes this tick may still send. */
  private int left;
  /** Of those, probes of quiet paths and retries this tick may still send. */
  private int urgentLeft;

  /**
   * The probes of quiet paths and the retries one tick may send, within its {@link #budget}: a
   * node's few routes never reach it, but a hub's thousands fall quiet together when its own
   * event loop falls behind (a crowd of nodes re-homing at once), and probing them all then only
   * loads that loop more. Consent checks go on meanwhile, and reach every route within the
   * consent interval.
   */
  static final int URGENT_PER_TICK = 32;

  /**
   * The probes one tick may send: 64, and twice what the routes' consent checks need a tick on
   * average, so that checks never starve while quiet paths and retries get what is left (up to
   * {@link #URGENT_PER_TICK}), and a probe for every route every few ticks can never happen.
   */
  static int budget(int routes, long checkNanos) {
    long ticksPerCheck = Math.max(1, checkNanos / INTERVAL.toNanos());
    return (int) Math.min(Integer.MAX_VALUE, 64 + routes * 2L / ticksPerCheck);
  }

  /**
   * One round over the routes at {@code nowNanos}, from where the last one's budget ran out, so
   * that the probes it held back go before the ones of routes it reached. A route nothing happened
   * on, whose probing has nothing due, is passed over at the cost of two reads.
   */
  void tick(long nowNanos) {
    int changed = routesChanged.getAsInt();
    if (!roundCopied || changed != roundCopiedAt) {
      round.clear();
      routes.forEach(round::add);
      roundCopiedAt = changed;
      roundCopied = true;
    }
    boolean all = revisitAll;
    revisitAll = false;
    int n = round.size();
    left = budget(n, checkNanos);
    urgentLeft = URGENT_PER_TICK;
    ranOut = false;
    int from = n == 0 ? 0 : resumeAt % n;
    for (int i = 0; i < n; i++) {
      at = (from + i) % n;
      Route r = round.get(at);
      if (!all && !r.probeStale && nowNanos - r.probeDue < 0) {
        continue; // nothing came or went, nothing is due
      }
      if (r.peer() == null) {
        continue; // until it learns its peer, which touches it
      }
      r.probeStale = false; // first: what changes from here on is seen next tick
      refused = false;
      visits++;
      TransportPath path = r.path();
      long due = nowNanos + IDLE_HORIZON; // a path nothing probes: only what happens on the route matters
      // A node that relays is probed as a direct path is (it may go at any time); the hub relay,
      // the floor beneath every connection, is not.
      if (path instanceof TransportPath.Direct && r.probedByPeerAlone()) {
        r.probing = null; // nothing held from before: no consent this side no longer asks for runs out
      } else if (path instanceof TransportPath.Direct || path instanceof TransportPath.Carried
          || path.kind() == io.macula.nat.api.PathKind.PEER_RELAY) {
        due = tick(r, path, nowNanos);
      }
      if (!r.alternatives.isEmpty()) {
        for (Route.Probing alternative : r.alternatives.values()) {
          tickAlternative(r, alternative, nowNanos);
        }
        due = nowNanos; // a few routes at most: looked at each tick, as they always were
      }
      r.probeDue = refused ? nowNanos : due;
    }
    if (!ranOut) {
      resumeAt = from;
    }
  }

  long visits() {
    return visits;
  }

  /**
   * Whether this tick may send one more probe, an urgent one (a quiet path's, a retry) or a consent
   * check; if so, it is counted. A probe it may not send stays due, and the next tick starts there.
   */
  private boolean mayProbe(boolean urgent) {
    if (left <= 0 || urgent && urgentLeft <= 0) {
      refused = true;
      if (!ranOut) {
        ranOut = true;
        resumeAt = at;
      }
      return false;
    }
    left--;
    urgentLeft -= urgent ? 1 : 0;
    return true;
  }

  /** The wait before an unanswered probe goes again, after it went {@code retries} times already. */
  static long retryNanos(int retries) {
    return Math.min(MAX_RETRY.toNanos(), RETRY.toNanos() << Math.min(retries, 16));
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
    if (p.transaction == null && now - p.nextCheck >= 0 && mayProbe(false)) {
      p.transaction = PathProbe.newTransaction();
      p.probeSent = now;
      p.nextCheck = nextCheck(now);
      send.send(r, p.path, p.transaction);
    } else if (p.transaction != null && now - p.probeSent > alternativeRetryNanos(now - p.lastSend) && mayProbe(true)) {
      p.transaction = PathProbe.newTransaction();
      p.probeSent = now;
      send.send(r, p.path, p.transaction);
    }
  }

  /**
   * How long the path may be quiet after this node sent before it is probed: {@link #QUIET}, or
   * three round trips of its last answered probe where that is longer (a peer far away, or slow
   * to answer under load, is not taken for gone the moment it is late), but never more than
   * {@link #MAX_QUIET}, so that a path that dies is still noticed within about a second.
   */
  private static long quietNanos(Route.Probing p) {
    return Math.max(QUIET.toNanos(), Math.min(MAX_QUIET.toNanos(), 3 * p.rttNanos));
  }

  /** When the next consent check is due: {@link #CONSENT_CHECK} times 0.8 to 1.2, so checks do not fall in step. */
  private long nextCheck(long now) {
    return now + (long) (checkNanos * (0.8 + 0.4 * random.nextDouble()));
  }

  /** Looks at the route's current path; returns when it must be looked at again if nothing happens on it. */
  private long tick(Route r, TransportPath path, long now) {
    Route.Probing p = r.probing;
    long packets = r.packetsOnPath;
    long sent = r.bytesSent.sum();
    if (p == null || p.path != path) {
      // Whoever moved the route here validated the path (a connect, ICE checks): consent from now.
      p = new Route.Probing(path, packets, sent, now, nextCheck(now));
      r.probing = p;
      return Math.min(p.nextCheck, p.consentedAt + consentLifetime + 1);
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
      boolean quietAfterSending = p.lastSend > p.lastArrival && now - p.lastArrival > quietNanos(p);
      boolean checkDue = now - p.nextCheck >= 0;
      if ((quietAfterSending || checkDue) && mayProbe(!checkDue)) {
        p.transaction = PathProbe.newTransaction();
        p.probeSent = now;
        p.retries = 0;
        p.unansweredSince = now;
        p.nextCheck = nextCheck(now);
        send.send(r, path, p.transaction);
      }
    } else if (now - p.probeSent > (p.consentLost ? checkNanos : retryNanos(p.retries)) && mayProbe(!p.consentLost)) {
      p.probeSent = now;
      p.retries++;
      send.send(r, path, p.transaction);
    }
    p.consentLost = now - p.consentedAt > consentLifetime;
    return due(p);
  }

  /**
   * When the path's probing must be looked at again if nothing arrives or goes: the probe a quiet
   * path is owed, the consent check, the outstanding probe's retry, consent running out.
   */
  private long due(Route.Probing p) {
    long due;
    if (p.transaction == null) {
      due = p.nextCheck;
      if (p.lastSend > p.lastArrival) {
        due = Math.min(due, p.lastArrival + quietNanos(p) + 1);
      }
    } else {
      due = p.probeSent + (p.consentLost ? checkNanos : retryNanos(p.retries)) + 1;
    }
    return p.consentLost ? due : Math.min(due, p.consentedAt + consentLifetime + 1);
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
      r.touched();
      p.transaction = null;
      p.lastArrival = nowNanos;
      p.consentedAt = nowNanos; // only an answer to its own probe tells that the peer takes what this side sends
      p.consentLost = false;
      p.rttNanos = nowNanos - p.probeSent;
      return;
    }
    for (Route.Probing a : r.alternatives.values()) {
      if (a.transaction != null && PathProbe.answers(answer, a.transaction)) {
        r.touched();
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
