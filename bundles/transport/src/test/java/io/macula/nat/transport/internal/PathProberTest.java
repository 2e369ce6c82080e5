package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeId;
import io.macula.nat.transport.api.TransportPath;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class PathProberTest {
  private static final long MS = 1_000_000L;
  private static final byte[] KEY = new byte[ConsentKey.LENGTH];
  private static final InetSocketAddress PEER = new InetSocketAddress("198.51.100.7", 4433);

  private final List<byte[]> sent = new ArrayList<>();
  private final Route route = new Route(new InetSocketAddress("::1", 4433), NodeId.of(new byte[32]),
      new TransportPath.Direct(PEER));
  /** Consent checks exactly 5 s apart: the tests' timings need no randomness. */
  private static final RandomGenerator MIDDLE = new RandomGenerator() {
    @Override
    public long nextLong() {
      return 0;
    }

    @Override
    public double nextDouble() {
      return 0.5;
    }
  };
  private final List<Long> sentAt = new ArrayList<>();
  private long now;
  private final PathProber prober = prober(MIDDLE);

  private final List<TransportPath> sentOver = new ArrayList<>();

  private PathProber prober(RandomGenerator random) {
    return new PathProber(List.of(route), () -> 0, (r, path, tx) -> {
      sentOver.add(path);
      sent.add(tx);
      sentAt.add(now);
    }, random, PathProber.CONSENT_LIFETIME);
  }

  private void tick(PathProber p, long nanos) {
    now = nanos;
    p.tick(nanos);
  }

  @Test
  void aPathQuietAfterThisNodeSentIsProbedAndProbedAgainUntilAnswered() {
    prober.tick(0);
    route.sent(1200);
    prober.tick(100 * MS);
    prober.tick(250 * MS);
    assertTrue(sent.isEmpty(), "not quiet for long enough yet");
    prober.tick(350 * MS);
    assertEquals(1, sent.size());
    assertEquals(PEER, sentOver.get(0).nextHop());
    prober.tick(500 * MS);
    assertEquals(1, sent.size(), "a retry waits");
    prober.tick(650 * MS);
    assertEquals(2, sent.size());
    assertArrayEquals(sent.get(0), sent.get(1), "the same probe again");
    assertNotNull(route.probing.transaction);

    ByteBuf answer = PathProbe.answer(ByteBufAllocator.DEFAULT, PathProbe.request(ByteBufAllocator.DEFAULT, sent.get(0), KEY), KEY);
    assertTrue(PathProbe.isAnswer(answer));
    PathProber.answered(route, answer, 800 * MS);
    assertNull(route.probing.transaction, "answered");
    prober.tick(900 * MS);
    assertEquals(2, sent.size());
  }

  /** An unanswered probe goes again after 250 ms, then twice as long each time, up to 2 s, as STUN retransmits. */
  @Test
  void retriesOfAnUnansweredProbeBackOff() {
    tick(prober, 0);
    route.sent(1200);
    for (long t = 100; t <= 10_000; t += 10) {
      tick(prober, t * MS);
    }
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < sentAt.size(); i++) {
      gaps.add((sentAt.get(i) - sentAt.get(i - 1)) / MS);
    }
    assertEquals(List.of(260L, 510L, 1010L, 2010L, 2010L, 2010L), gaps.subList(0, 6), "the first probe at "
        + sentAt.get(0) / MS + " ms, then " + gaps);
    assertArrayEquals(sent.get(0), sent.get(sent.size() - 1), "one probe, sent again");
  }

  /**
   * A path whose probes take 300 ms to be answered is not probed the moment it is 300 ms quiet,
   * but once quiet for 900 ms; one whose probes took 2 s, once quiet for a second, not six.
   */
  @Test
  void aSlowPathMayBeQuietForThreeOfItsRoundTripsUpToASecond() {
    tick(prober, 0);
    route.sent(1200);
    tick(prober, 400 * MS);
    assertEquals(1, sent.size());
    assertEquals(1000, quietUntilProbed(700), "answered after 300 ms: probed at the first tick past 900 ms");
    assertEquals(1100, quietUntilProbed(3700), "answered after 2 s: probed at the first tick past 1 s");
  }

  /**
   * The latest probe is answered at {@code answeredMs}, this node sends, and nothing more
   * arrives: how long (ms, ticks 100 ms apart) until the next probe goes.
   */
  private long quietUntilProbed(long answeredMs) {
    int before = sent.size();
    PathProber.answered(route, answerTo(sent.get(before - 1)), answeredMs * MS);
    route.sent(1200);
    for (long t = answeredMs + 100; t < answeredMs + 3000; t += 100) {
      tick(prober, t * MS);
      if (sent.size() > before) {
        return t - answeredMs;
      }
    }
    return -1;
  }

  /** Routes to as many peers, each straight to a port of its own. */
  private static List<Route> directRoutes(int count) {
    List<Route> routes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      routes.add(new Route(new InetSocketAddress("::1", 4433), NodeId.of(new byte[32]),
          new TransportPath.Direct(new InetSocketAddress("198.51.100.7", 1024 + i))));
    }
    return routes;
  }

  /**
   * 5,000 routes whose peers all fall quiet at once (a hub whose nodes answer late, or whose own
   * loop fell behind): the quiet paths' probes go at most {@link PathProber#URGENT_PER_TICK} a
   * tick, the consent checks, once due, within the tick's budget, which they alone need only half
   * of; every route is probed by the time its check was due.
   */
  @Test
  void aTickSendsNoMoreThanItsBudget() {
    List<Route> many = directRoutes(5_000);
    int[] sentThisTick = new int[1];
    PathProber p = new PathProber(many, () -> 0, (r, path, tx) -> sentThisTick[0]++, MIDDLE, PathProber.CONSENT_LIFETIME);
    p.tick(0); // each route's probing starts, and the tick counts them
    many.forEach(r -> r.sent(1200));
    int budget = PathProber.budget(many.size(), PathProber.CONSENT_CHECK.toNanos());
    assertEquals(64 + 200, budget, "twice the 100 checks a tick 5,000 routes need, and 64");
    int quiet = 0;
    for (long t = 400; t < 3_000; t += 100) { // no consent check is due yet: quiet probes only
      sentThisTick[0] = 0;
      p.tick(t * MS);
      assertTrue(sentThisTick[0] <= PathProber.URGENT_PER_TICK, sentThisTick[0] + " quiet probes in one tick");
      quiet += sentThisTick[0];
    }
    assertEquals(26 * PathProber.URGENT_PER_TICK, quiet, "every tick sends its quiet probes while some are due");
    // The checks fall due one consent interval after probing started (the middle of 0.8 to 1.2
    // intervals, this test's random), all at 5 s: within the budget they take two seconds at most.
    for (long t = 3_000; t <= 7_000; t += 100) {
      sentThisTick[0] = 0;
      p.tick(t * MS);
      assertTrue(sentThisTick[0] <= budget, sentThisTick[0] + " probes in one tick");
    }
    assertTrue(many.stream().allMatch(r -> r.probing.transaction != null), "and every route was probed in time");
  }

  /**
   * A tick looks only at the routes something happened on (a packet came or went, a probe was
   * answered, the route moved) and at those whose probing is due; idle ones cost it nothing more.
   */
  @Test
  void aTickLooksAtIdleRoutesOnlyWhenTheirProbingIsDue() {
    List<Route> many = directRoutes(1_000);
    List<Route> probed = new ArrayList<>();
    PathProber p = new PathProber(many, () -> 0, (r, path, tx) -> probed.add(r), MIDDLE, PathProber.CONSENT_LIFETIME);
    p.tick(0);
    assertEquals(1_000, p.visits(), "each route once, to start its probing");
    for (long t = 100; t < 1_000; t += 100) {
      p.tick(t * MS);
    }
    assertEquals(1_000, p.visits(), "nothing happened and no check was due: none looked at again");

    Route busy = many.get(7);
    busy.sent(1200);
    p.tick(1_000 * MS);
    assertEquals(1_001, p.visits(), "a route that sent is looked at in the next tick");
    assertEquals(List.of(busy), probed, "and probed: nothing came from its peer since the start");
    ByteBuf answer = PathProbe.answer(ByteBufAllocator.DEFAULT,
        PathProbe.request(ByteBufAllocator.DEFAULT, busy.probing.transaction, KEY), KEY);
    PathProber.answered(busy, answer, 1_050 * MS);
    p.tick(1_100 * MS);
    assertEquals(1_002, p.visits(), "an answered probe: that route, once");
    busy.path(new TransportPath.Direct(PEER), "a move", java.time.Instant.EPOCH);
    p.tick(1_200 * MS);
    assertEquals(1_003, p.visits(), "a move: that route, once");

    for (long t = 1_300; t < 5_000; t += 100) {
      p.tick(t * MS);
    }
    assertEquals(1_003 + 37, p.visits(), "the moved route alone, each tick: it probes the path it left");
    p.tick(5_000 * MS);
    assertEquals(1_040 + 1 + 999, p.visits(), "and the others' consent checks, due 5 s after they started");
  }

  @Test
  void arrivalsMeanNoProbe() {
    prober.tick(0);
    for (long t = 100; t <= 3000; t += 100) {
      route.sent(1200);
      route.arrivedOnPath();
      prober.tick(t * MS);
    }
    assertTrue(sent.isEmpty());
  }

  @Test
  void aSideThatOnlyReceivedIsNotProbingWhenThePeerStops() {
    prober.tick(0);
    route.arrivedOnPath();
    prober.tick(100 * MS);
    prober.tick(4900 * MS);
    assertTrue(sent.isEmpty(), "nothing sent since the last arrival: nothing expected");
    prober.tick(5000 * MS);
    assertEquals(1, sent.size(), "the consent check, which keeps the mappings open too");
  }

  /** A NAT measured to forget idle mappings after 3 s: the checks, which keep them, come every 2 s. */
  @Test
  void aShortMappingLifetimeBringsTheChecksWithinIt() {
    prober.tick(0); // the next check is due at 5 s
    route.arrivedOnPath();
    prober.mappingLifetime(java.time.Duration.ofSeconds(3));
    assertEquals(java.time.Duration.ofSeconds(2), prober.checkInterval());
    prober.tick(100 * MS); // ... and now at 2.1 s
    prober.tick(2000 * MS);
    assertTrue(sent.isEmpty());
    prober.tick(2100 * MS);
    assertEquals(1, sent.size(), "the check, within the mapping's lifetime, though one was due later");

    prober.mappingLifetime(java.time.Duration.ofSeconds(40));
    assertEquals(PathProber.CONSENT_CHECK, prober.checkInterval(), "a long lifetime leaves RFC 7675's 5 s");
  }

  /** RFC 7675: a check every 5 s randomized 0.8 to 1.2, however busy the path. */
  @Test
  void aConsentCheckGoesEveryFourToSixSecondsEvenUnderTraffic() {
    PathProber randomized = prober(new java.util.SplittableRandom(7));
    for (long t = 0; t <= 120_000; t += 100) {
      route.sent(1200);
      route.arrivedOnPath();
      tick(randomized, t * MS);
      if (route.probing.transaction != null) {
        PathProber.answered(route, answerTo(sent.get(sent.size() - 1)), t * MS);
      }
    }
    assertTrue(sent.size() >= 20, "" + sent.size());
    java.util.Set<Long> gaps = new java.util.HashSet<>();
    for (int i = 1; i < sentAt.size(); i++) {
      long gap = (sentAt.get(i) - sentAt.get(i - 1)) / MS;
      assertTrue(gap >= 4000 && gap <= 6100, "a check " + gap + " ms after the last");
      gaps.add(gap);
    }
    assertTrue(gaps.size() > 5, "randomized, not in step: " + gaps);
  }

  /**
   * Packets arriving do not consent to what this side sends: only answers to its probes do. After
   * 30 s without one, nothing but probes goes on the path (at the check interval now), until one
   * is answered.
   */
  @Test
  void aPathWhoseProbesGoUnansweredLosesConsentAt30SecondsAndRegainsItWithAnAnswer() {
    for (long t = 0; t <= 29_900; t += 100) {
      route.arrivedOnPath(); // a peer that still sends, to a path that takes nothing from here
      tick(prober, t * MS);
    }
    assertFalse(PathProber.withoutConsent(route, route.path()));
    tick(prober, 30_100 * MS);
    assertTrue(PathProber.withoutConsent(route, route.path()));

    int before = sent.size();
    tick(prober, 30_400 * MS);
    tick(prober, 34_000 * MS);
    assertEquals(before, sent.size(), "no retry every 250 ms once consent is lost");
    tick(prober, 35_200 * MS);
    assertEquals(before + 1, sent.size());

    PathProber.answered(route, answerTo(sent.get(sent.size() - 1)), 35_300 * MS);
    assertFalse(PathProber.withoutConsent(route, route.path()));
  }

  private static ByteBuf answerTo(byte[] transaction) {
    return PathProbe.answer(ByteBufAllocator.DEFAULT, PathProbe.request(ByteBufAllocator.DEFAULT, transaction, KEY), KEY);
  }

  /**
   * A path the route left (the direct one, for the hub relay) is probed on, at the consent
   * interval: once it answers again, it is where the path policy may move back to. A relay is
   * never an alternative, and one that answers nothing is forgotten in time.
   */
  @Test
  void aPathTheRouteLeftIsProbedOnAndOffersItselfOnceItAnswersAgain() {
    TransportPath direct = route.path();
    tick(prober, 0);
    TransportPath relay = new TransportPath.Relayed(new InetSocketAddress("203.0.113.10", 7400), NodeId.of(new byte[32]),
        io.macula.nat.api.PathKind.HUB_RELAY);
    route.path(relay, "fallback", java.time.Instant.EPOCH);
    assertEquals(java.util.Set.of(direct), route.alternatives.keySet());

    tick(prober, 100 * MS);
    assertEquals(List.of(direct), sentOver, "probed at once: it may answer again soon");
    assertTrue(answering(200 * MS).isEmpty(), "no answer yet");
    tick(prober, 1000 * MS);
    assertEquals(1, sent.size(), "an unanswered probe waits a second");
    tick(prober, 1200 * MS);
    assertEquals(2, sent.size(), "every second while freshly left");

    PathProber.answered(route, answerTo(sent.get(1)), 1300 * MS);
    assertEquals(List.of(direct), answering(1400 * MS));
    assertEquals(100 * MS, PathProber.alternatives(route, 1400 * MS).get(0).roundTrip().orElseThrow().toNanos());
    assertTrue(answering(12_000 * MS).isEmpty(), "stale by then");
    tick(prober, 6200 * MS);
    assertEquals(3, sent.size(), "answered, it is checked at the consent interval");

    route.path(direct, "upgrade", java.time.Instant.EPOCH);
    assertTrue(route.alternatives.isEmpty(), "a relay is never an alternative, and the direct path is current");
    assertNull(route.probing, "back on the path it left, whose probe went unanswered then: its probing starts afresh");
  }

  /** The alternatives that answered a probe in the last 10 s, as the path policy asks. */
  private List<TransportPath> answering(long nowNanos) {
    return PathProber.alternatives(route, nowNanos).stream()
        .filter(a -> a.answeredWithin(java.time.Duration.ofSeconds(10)))
        .map(io.macula.nat.transport.api.AlternativePath::path)
        .toList();
  }

  @Test
  void anAlternativeThatAnswersNothingIsForgottenAndOnlyTheLatestFewAreKept() {
    tick(prober, 0);
    for (int i = 0; i < Route.MAX_ALTERNATIVES + 2; i++) {
      route.path(new TransportPath.Direct(new InetSocketAddress("198.51.100.9", 1000 + i)), "move " + i,
          java.time.Instant.EPOCH);
    }
    assertEquals(Route.MAX_ALTERNATIVES, route.alternatives.size());
    assertTrue(!route.alternatives.containsKey(new TransportPath.Direct(PEER)), "the oldest went first");
    for (long t = 100; t <= PathProber.ALTERNATIVE_LIFETIME.toMillis(); t += 1000) {
      tick(prober, t * MS);
    }
    assertTrue(route.alternatives.isEmpty(), "never answered: forgotten");
  }

  @Test
  void aNewPathStartsAgain() {
    prober.tick(0);
    route.sent(1200);
    prober.tick(100 * MS);
    prober.tick(450 * MS);
    assertEquals(1, sent.size());
    route.path(new TransportPath.Direct(new InetSocketAddress("198.51.100.8", 4433)), "moved", java.time.Instant.EPOCH);
    prober.tick(500 * MS);
    assertNull(route.probing.transaction);
  }

  @Test
  void onlyMarkedBindingRequestsAreProbes() {
    ByteBuf probe = PathProbe.request(ByteBufAllocator.DEFAULT, PathProbe.newTransaction(), KEY);
    assertTrue(PathProbe.isRequest(probe));
    assertFalse(PathProbe.isAnswer(probe));
    ByteBuf discovery = Unpooled.buffer().writeShort(1).writeShort(0).writeInt(0x2112A442)
        .writeBytes(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    assertFalse(PathProbe.isRequest(discovery), "a STUN client's Binding request goes to the STUN handler");
  }

  @Test
  void aProbeAndItsAnswerCarryThePairsKeyAndNoOtherPasses() {
    byte[] transaction = PathProbe.newTransaction();
    ByteBuf probe = PathProbe.request(ByteBufAllocator.DEFAULT, transaction, KEY);
    assertTrue(PathProbe.authentic(probe, KEY));
    byte[] other = KEY.clone();
    other[0] ^= 1;
    assertFalse(PathProbe.authentic(probe, other), "a stranger's key");

    ByteBuf answer = PathProbe.answer(ByteBufAllocator.DEFAULT, probe, KEY);
    assertTrue(PathProbe.isAnswer(answer));
    assertTrue(PathProbe.authentic(answer, KEY));
    assertTrue(PathProbe.answers(answer, transaction));

    ByteBuf reflected = probe.copy();
    reflected.setShort(0, 0x0101);
    assertTrue(PathProbe.isAnswer(reflected));
    assertFalse(PathProbe.authentic(reflected, KEY), "a request sent back as its own answer grants nothing");
    ByteBuf forged = answer.copy();
    forged.setByte(19, forged.getByte(19) ^ 1);
    assertFalse(PathProbe.authentic(forged, KEY), "the integrity covers the transaction id");
  }

  @Test
  void aRouteRemembersItsLatestMovesAndWhy() {
    TransportPath relay = new TransportPath.Relayed(new InetSocketAddress("203.0.113.10", 7400), NodeId.of(new byte[32]),
        io.macula.nat.api.PathKind.HUB_RELAY);
    route.path(relay, "fallback", java.time.Instant.EPOCH);
    route.path(relay, "again", java.time.Instant.EPOCH);
    assertEquals(1, route.moves().size(), "the same path is no move");
    assertEquals("fallback", route.moves().get(0).reason());
    for (int i = 0; i < Route.MAX_MOVES + 4; i++) {
      route.path(new TransportPath.Direct(new InetSocketAddress("198.51.100.9", 1000 + i)), "move " + i,
          java.time.Instant.EPOCH);
    }
    assertEquals(Route.MAX_MOVES, route.moves().size());
    assertEquals("move " + (Route.MAX_MOVES + 3), route.moves().get(Route.MAX_MOVES - 1).reason());
  }
}
