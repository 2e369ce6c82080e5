package io.macula.nat.negotiator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.Applicability;
import io.macula.nat.api.AttemptRecord;
import io.macula.nat.api.ConnectionStrategy;
import io.macula.nat.api.NegotiationFailedException;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerConnection;
import io.macula.nat.api.PeerPath;
import io.macula.nat.api.StrategyFailure;
import io.macula.nat.api.TraversalEvent;
import io.macula.nat.testing.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One connect, on a {@link ManualScheduler}: time moves only when a test advances it, so every
 * stagger and timeout is checked to the millisecond, with no real waiting.
 */
class NegotiationTest {
  private static final NodeId NODE = NodeId.of(new byte[32]);
  private static final Duration LONG = Duration.ofSeconds(30);

  private final ManualScheduler time = new ManualScheduler();
  private final List<AttemptRecord> records = new ArrayList<>();
  private final List<TraversalEvent> events = new ArrayList<>();

  @Test
  void theFirstStrategyToSucceedWins() {
    ScriptedStrategy direct = ScriptedStrategy.succeeding("direct", PathKind.DIRECT);
    ScriptedStrategy relay = ScriptedStrategy.succeeding("hubrelay", PathKind.HUB_RELAY);

    PeerConnection c = connect(plan(direct, 100, LONG), plan(relay, 40, LONG));

    assertEquals(PathKind.DIRECT, c.path().kind());
    assertEquals(0, relay.started, "a lower priority starts only after a failure or a timeout");
    assertEquals(List.of("direct succeeded"), summary(c.attempts()));
    assertEquals(ManualScheduler.EPOCH, c.established());
  }

  @Test
  void theRegistrysPlanRunsHighestPriorityFirst() {
    StrategyRegistry registry = new StrategyRegistry();
    // Added in an order that is neither the priority order nor its reverse.
    registry.add(ScriptedStrategy.failing("holepunch", 70, StrategyFailure.refused("no")), "b");
    registry.add(ScriptedStrategy.failing("hubrelay", 40, StrategyFailure.refused("no")), "c");
    registry.add(ScriptedStrategy.failing("direct", 100, StrategyFailure.refused("no")), "a");

    Negotiation n = negotiation(registry.plan().toArray(EffectiveStrategy[]::new));
    CompletableFuture<PeerConnection> result = n.start();
    time.runDue();

    assertEquals(
        List.of("direct refused", "holepunch refused", "hubrelay refused"),
        summary(failure(result).attempts()));
    assertEquals(
        List.of("direct", "holepunch", "hubrelay"),
        events.stream()
            .filter(e -> e instanceof TraversalEvent.AttemptStarted)
            .map(e -> ((TraversalEvent.AttemptStarted) e).strategy())
            .toList());
  }

  @Test
  void aFailureStartsTheNextStrategyAtOnce() {
    ScriptedStrategy direct =
        ScriptedStrategy.failing("direct", StrategyFailure.refused("peer said no"));
    ScriptedStrategy relay = ScriptedStrategy.succeeding("hubrelay", PathKind.HUB_RELAY);

    PeerConnection c = connect(plan(direct, 100, LONG), plan(relay, 40, LONG));

    assertEquals(PathKind.HUB_RELAY, c.path().kind());
    assertEquals(List.of("direct refused", "hubrelay succeeded"), summary(c.attempts()));
    assertEquals("peer said no", c.attempts().get(0).reason());
    assertEquals(ManualScheduler.EPOCH, c.attempts().get(1).started(), "no time passed: not a stagger");
  }

  @Test
  void eachTimeoutStartsTheNextStrategyAtThatMomentAndNotBefore() {
    ScriptedStrategy direct = ScriptedStrategy.hanging("direct");
    ScriptedStrategy punch = ScriptedStrategy.hanging("holepunch");
    ScriptedStrategy relay = ScriptedStrategy.hanging("hubrelay");
    CompletableFuture<PeerConnection> result =
        start(plan(direct, 100, ms(50)), plan(punch, 70, ms(30)), plan(relay, 40, ms(1000)));

    assertEquals(List.of(1, 0, 0), started(direct, punch, relay));
    time.advance(ms(49));
    assertEquals(List.of(1, 0, 0), started(direct, punch, relay), "49 ms: direct still has its turn");
    time.advance(ms(1));
    assertEquals(List.of(1, 1, 0), started(direct, punch, relay), "50 ms: direct's timeout starts holepunch");
    assertFalse(direct.lastAttempt.isDone(), "a timed-out attempt keeps running: its path may still win");
    time.advance(ms(29));
    assertEquals(List.of(1, 1, 0), started(direct, punch, relay));
    time.advance(ms(1));
    assertEquals(List.of(1, 1, 1), started(direct, punch, relay), "80 ms: holepunch's timeout starts hubrelay");
    assertEquals(
        List.of("direct 50 ms", "holepunch 30 ms"),
        events.stream()
            .filter(e -> e instanceof TraversalEvent.AttemptTimedOut)
            .map(e -> e.strategy() + " " + e.elapsed().toMillis() + " ms")
            .toList());

    time.advance(ms(999));
    assertFalse(result.isDone(), "hubrelay has 1 ms left");
    time.advance(ms(1));

    NegotiationFailedException failure = failure(result);
    assertEquals(
        List.of("direct timed-out at 0 ms for 1080 ms", "holepunch timed-out at 50 ms for 1030 ms",
            "hubrelay timed-out at 80 ms for 1000 ms"),
        failure.attempts().stream()
            .map(r -> r.strategy() + " " + r.outcome().label() + " at " + sinceStart(r) + " ms for "
                + r.duration().toMillis() + " ms")
            .toList());
    assertTrue(direct.lastAttempt.isCancelled() && punch.lastAttempt.isCancelled()
        && relay.lastAttempt.isCancelled(), "every attempt still running is cancelled");
  }

  @Test
  void aLateSuccessOfAnEarlierStrategyStillWinsAndTheRestAreCancelled() {
    ScriptedStrategy direct = ScriptedStrategy.hanging("direct");
    ScriptedStrategy punch = ScriptedStrategy.hanging("holepunch");
    ScriptedStrategy relay = ScriptedStrategy.hanging("hubrelay");
    CompletableFuture<PeerConnection> result =
        start(plan(direct, 100, ms(20)), plan(punch, 70, ms(20)), plan(relay, 40, LONG));
    time.advance(ms(40));
    assertEquals(List.of(1, 1, 1), started(direct, punch, relay));

    time.advance(ms(5));
    punch.lastAttempt.complete(new TestPath("holepunch", PathKind.HOLE_PUNCHED));
    time.runDue();

    PeerConnection c = done(result);
    assertEquals(PathKind.HOLE_PUNCHED, c.path().kind());
    assertEquals(
        List.of(
            "direct timed-out: no path within 20 ms; abandoned when holepunch won",
            "holepunch succeeded: ",
            "hubrelay cancelled: holepunch won first"),
        c.attempts().stream().map(r -> r.strategy() + " " + r.outcome().label() + ": " + r.reason()).toList());
    assertTrue(direct.lastAttempt.isCancelled(), "the timed-out loser is cancelled");
    assertTrue(relay.lastAttempt.isCancelled(), "the running loser is cancelled");
    assertEquals(0, time.pending(), "no attempt's timer outlives the connect");
    assertEquals(ManualScheduler.EPOCH.plus(ms(45)), c.established());
  }

  @Test
  void ofTwoPathsFoundAtOnceTheFirstReportedWinsAndTheOtherIsClosed() {
    ScriptedStrategy direct = ScriptedStrategy.hanging("direct");
    ScriptedStrategy relay = ScriptedStrategy.hanging("hubrelay");
    CompletableFuture<PeerConnection> result = start(plan(direct, 100, ms(10)), plan(relay, 40, LONG));
    time.advance(ms(10));

    // Both report before the scheduler runs either report: too late to cancel the second.
    TestPath relayed = new TestPath("hubrelay", PathKind.HUB_RELAY);
    TestPath direct1 = new TestPath("direct", PathKind.DIRECT);
    relay.lastAttempt.complete(relayed);
    direct.lastAttempt.complete(direct1);
    time.runDue();

    assertEquals(PathKind.HUB_RELAY, done(result).path().kind());
    assertFalse(relayed.closed, "the winner's path stays open");
    assertTrue(direct1.closed, "a path no one owns is closed");
    assertEquals(List.of("direct timed-out", "hubrelay succeeded"), summary(done(result).attempts()));
  }

  @Test
  void anEarlierAttemptsLateFailureDoesNotStartAnother() {
    ScriptedStrategy direct = ScriptedStrategy.hanging("direct");
    ScriptedStrategy punch = ScriptedStrategy.hanging("holepunch");
    ScriptedStrategy relay = ScriptedStrategy.hanging("hubrelay");
    CompletableFuture<PeerConnection> result =
        start(plan(direct, 100, ms(10)), plan(punch, 70, LONG), plan(relay, 40, LONG));
    time.advance(ms(10));

    direct.lastAttempt.completeExceptionally(StrategyFailure.networkError("unreachable", null));
    time.advance(ms(5));

    assertEquals(List.of(1, 1, 0), started(direct, punch, relay), "only the latest attempt's end moves on");
    assertEquals(List.of("direct network-error"), recorded());
    assertFalse(result.isDone());
  }

  @Test
  void notApplicableIsRecordedWithItsReasonAndSkippedAtOnce() {
    ScriptedStrategy direct = ScriptedStrategy.succeeding("direct", PathKind.DIRECT);
    direct.applicability = Applicability.no("the remote is behind a NAT");
    ScriptedStrategy relay = ScriptedStrategy.succeeding("hubrelay", PathKind.HUB_RELAY);

    PeerConnection c = connect(plan(direct, 100, LONG), plan(relay, 40, LONG));

    assertEquals(List.of("direct not-applicable", "hubrelay succeeded"), summary(c.attempts()));
    assertEquals("the remote is behind a NAT", c.attempts().get(0).reason());
    assertEquals(0, direct.started);
  }

  @Test
  void whenEveryStrategyFailsTheFailureGivesEveryStrategysReason() {
    ScriptedStrategy direct = ScriptedStrategy.succeeding("direct", PathKind.DIRECT);
    direct.applicability = Applicability.no("the remote is behind a NAT");
    ScriptedStrategy punch =
        ScriptedStrategy.failing("holepunch", StrategyFailure.networkError("unreachable", null));
    ScriptedStrategy turn = ScriptedStrategy.failing("turn", StrategyFailure.refused("allocation quota"));
    ScriptedStrategy relay = ScriptedStrategy.hanging("hubrelay");
    CompletableFuture<PeerConnection> result =
        start(plan(direct, 100, LONG), plan(punch, 70, LONG), plan(turn, 50, LONG), plan(relay, 40, ms(30)));

    time.advance(ms(29));
    assertFalse(result.isDone(), "the last strategy has 1 ms left");
    time.advance(ms(1));

    NegotiationFailedException failure = failure(result);
    assertEquals(
        List.of(
            "direct not-applicable: the remote is behind a NAT",
            "holepunch network-error: unreachable",
            "turn refused: allocation quota",
            "hubrelay timed-out: no path within 30 ms, and no strategy is left to try"),
        failure.attempts().stream()
            .map(r -> r.strategy() + " " + r.outcome().label() + ": " + r.reason())
            .toList());
    assertEquals(
        "no strategy reached " + NODE.shortForm()
            + ": direct not-applicable (the remote is behind a NAT), holepunch network-error (unreachable),"
            + " turn refused (allocation quota), hubrelay timed-out",
        failure.getMessage());
    assertEquals(NODE, failure.node());
    assertTrue(relay.lastAttempt.isCancelled());
    assertEquals(failure.attempts(), records, "the sink saw the same records");
    assertEquals(0, time.pending(), "no attempt's timer outlives the connect");
  }

  static Stream<Arguments> endings() {
    return Stream.of(
        Arguments.of("refused", ScriptedStrategy.failing("x", StrategyFailure.refused("peer said no")),
            "refused", "peer said no"),
        Arguments.of("network error", ScriptedStrategy.failing("x", StrategyFailure.networkError("reset", null)),
            "network-error", "reset"),
        Arguments.of("its own timeout", ScriptedStrategy.failing("x", StrategyFailure.timedOut("no answer in 2 s")),
            "timed-out", "no answer in 2 s"),
        Arguments.of("not applicable, found late",
            ScriptedStrategy.failing("x", StrategyFailure.notApplicable("no TURN server")),
            "not-applicable", "no TURN server"),
        Arguments.of("failure wrapped in CompletionException",
            new ScriptedStrategy("x", p -> CompletableFuture.failedFuture(
                new CompletionException(StrategyFailure.refused("wrapped")))),
            "refused", "wrapped"),
        Arguments.of("attempt throws", new ScriptedStrategy("x", p -> {
          throw new IllegalStateException("bug");
        }), "internal-error", "the strategy failed: java.lang.IllegalStateException: bug"),
        Arguments.of("attempt returns null", new ScriptedStrategy("x", p -> null),
            "internal-error", "the strategy yielded no path"),
        Arguments.of("attempt yields a null path",
            new ScriptedStrategy("x", p -> CompletableFuture.completedFuture(null)),
            "internal-error", "the strategy yielded no path"),
        Arguments.of("strategy cancels itself", new ScriptedStrategy("x", p -> {
          CompletableFuture<PeerPath> f = new CompletableFuture<>();
          f.cancel(false);
          return f;
        }), "cancelled", "the strategy cancelled its attempt"),
        Arguments.of("not applicable", ScriptedStrategy.notApplicable("x", Applicability.no("no IPv6")),
            "not-applicable", "no IPv6"),
        Arguments.of("appliesTo answers null", ScriptedStrategy.notApplicable("x", null),
            "not-applicable", "appliesTo gave no answer"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endings")
  void anAttemptThatEndsWithoutAPathIsRecordedAndTheNextRuns(
      String name, ScriptedStrategy x, String outcome, String reason) {
    ScriptedStrategy relay = ScriptedStrategy.succeeding("hubrelay", PathKind.HUB_RELAY);

    PeerConnection c = connect(plan(x, 100, LONG), plan(relay, 40, LONG));

    assertEquals(List.of("x " + outcome, "hubrelay succeeded"), summary(c.attempts()));
    assertEquals(reason, c.attempts().get(0).reason());
  }

  @Test
  void anAppliesToThatThrowsIsAnInternalError() {
    ScriptedStrategy throwing = new ScriptedStrategy("throwing", p -> new CompletableFuture<>()) {
      @Override
      public Applicability appliesTo(NodePair pair) {
        throw new IllegalStateException("bug");
      }
    };
    ScriptedStrategy relay = ScriptedStrategy.succeeding("hubrelay", PathKind.HUB_RELAY);

    PeerConnection c = connect(plan(throwing, 100, LONG), plan(relay, 40, LONG));

    assertEquals(List.of("throwing internal-error", "hubrelay succeeded"), summary(c.attempts()));
    assertEquals("appliesTo threw java.lang.IllegalStateException: bug", c.attempts().get(0).reason());
    assertEquals(0, throwing.started);
  }

  @Test
  void anEmptyPlanFailsAndSaysSo() {
    assertEquals("no enabled connection strategy is installed", failure(start()).getMessage());
  }

  @Test
  void cancellingTheConnectCancelsTheRunningAttempt() {
    ScriptedStrategy slow = ScriptedStrategy.hanging("direct");
    CompletableFuture<PeerConnection> result = start(plan(slow, 100, LONG));
    time.advance(ms(7));

    result.cancel(true);
    time.runDue();

    assertTrue(slow.lastAttempt.isCancelled());
    assertEquals(List.of("direct cancelled"), recorded());
    assertEquals("the connect was cancelled", records.get(0).reason());
    assertEquals(ms(7), records.get(0).duration());
  }

  @Test
  void stoppingTheNegotiatorCancelsTheRunningAttemptAndFailsTheConnect() {
    ScriptedStrategy slow = ScriptedStrategy.hanging("direct");
    Negotiation n = negotiation(plan(slow, 100, LONG));
    CompletableFuture<PeerConnection> result = n.start();
    time.runDue();

    n.shutdown();
    time.runDue();

    assertTrue(slow.lastAttempt.isCancelled());
    assertEquals(List.of("direct cancelled"), summary(failure(result).attempts()));
    assertEquals("the negotiator stopped", records.get(0).reason());
  }

  @Test
  void aRemovedStrategysAttemptIsCancelledAndTheNextStarts() {
    ScriptedStrategy leaving = ScriptedStrategy.hanging("direct");
    ScriptedStrategy relay = ScriptedStrategy.succeeding("hubrelay", PathKind.HUB_RELAY);
    Negotiation n = negotiation(plan(leaving, 100, LONG), plan(relay, 40, LONG));
    CompletableFuture<PeerConnection> result = n.start();
    time.runDue();
    assertEquals(1, leaving.started);

    n.strategyRemoved(leaving);
    time.runDue();

    PeerConnection c = done(result);
    assertEquals(List.of("direct cancelled", "hubrelay succeeded"), summary(c.attempts()));
    assertEquals("the strategy was removed", c.attempts().get(0).reason());
    assertTrue(leaving.lastAttempt.isCancelled());
  }

  @Test
  void aStrategyRemovedBeforeItsTurnIsNotStarted() {
    ScriptedStrategy direct = ScriptedStrategy.hanging("direct");
    ScriptedStrategy leaving = ScriptedStrategy.succeeding("holepunch", PathKind.HOLE_PUNCHED);
    ScriptedStrategy relay = ScriptedStrategy.succeeding("hubrelay", PathKind.HUB_RELAY);
    Negotiation n = negotiation(plan(direct, 100, ms(10)), plan(leaving, 70, LONG), plan(relay, 40, LONG));
    CompletableFuture<PeerConnection> result = n.start();
    time.runDue();

    n.strategyRemoved(leaving);
    time.advance(ms(10));

    assertEquals(0, leaving.started);
    assertEquals(PathKind.HUB_RELAY, done(result).path().kind());
  }

  // --- helpers

  /** Starts a connect and runs what is due at once; the connect must have ended. */
  private PeerConnection connect(EffectiveStrategy... plan) {
    return done(start(plan));
  }

  private CompletableFuture<PeerConnection> start(EffectiveStrategy... plan) {
    CompletableFuture<PeerConnection> result = negotiation(plan).start();
    time.runDue();
    return result;
  }

  /** The connection a connect made; never blocks, so a broken negotiation fails the test instead of hanging it. */
  private static PeerConnection done(CompletableFuture<PeerConnection> result) {
    assertTrue(result.isDone(), "the connect has ended");
    return result.join();
  }

  private static NegotiationFailedException failure(CompletableFuture<PeerConnection> result) {
    assertTrue(result.isDone(), "the connect has ended");
    CompletionException e = assertThrows(CompletionException.class, result::join);
    return assertInstanceOf(NegotiationFailedException.class, e.getCause());
  }

  private Negotiation negotiation(EffectiveStrategy... plan) {
    NodePair pair = new NodePair(NodeDescriptor.unknown(NODE), NodeDescriptor.unknown(NODE));
    return new Negotiation(1, pair, List.of(plan), time, time.clock(), new Negotiation.Sink() {
      @Override
      public void started(EffectiveStrategy strategy) {}

      @Override
      public void recorded(AttemptRecord record) {
        records.add(record);
      }

      @Override
      public void event(TraversalEvent event) {
        events.add(event);
      }

      @Override
      public void finished(Negotiation negotiation) {}
    });
  }

  private List<String> recorded() {
    return summary(records);
  }

  private static List<Integer> started(ScriptedStrategy... strategies) {
    return Stream.of(strategies).map(s -> s.started).toList();
  }

  private static long sinceStart(AttemptRecord r) {
    return Duration.between(ManualScheduler.EPOCH, r.started()).toMillis();
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  private static EffectiveStrategy plan(ScriptedStrategy s, int priority, Duration timeout) {
    return new EffectiveStrategy(s, s.name(), priority, timeout, true, "test");
  }

  private static List<String> summary(List<AttemptRecord> records) {
    return records.stream().map(r -> r.strategy() + " " + r.outcome().label()).toList();
  }

  /** A strategy whose attempts do what the test says. */
  static class ScriptedStrategy implements ConnectionStrategy {
    private final String name;
    private final int priority;
    private final Function<NodePair, CompletableFuture<PeerPath>> behaviour;
    Applicability applicability = Applicability.yes();
    int started;
    CompletableFuture<PeerPath> lastAttempt;

    ScriptedStrategy(String name, Function<NodePair, CompletableFuture<PeerPath>> behaviour) {
      this(name, 0, behaviour);
    }

    ScriptedStrategy(String name, int priority, Function<NodePair, CompletableFuture<PeerPath>> behaviour) {
      this.name = name;
      this.priority = priority;
      this.behaviour = behaviour;
    }

    static ScriptedStrategy succeeding(String name, PathKind kind) {
      return new ScriptedStrategy(name, p -> CompletableFuture.completedFuture(new TestPath(name, kind)));
    }

    static ScriptedStrategy failing(String name, StrategyFailure failure) {
      return failing(name, 0, failure);
    }

    static ScriptedStrategy failing(String name, int priority, StrategyFailure failure) {
      return new ScriptedStrategy(name, priority, p -> CompletableFuture.failedFuture(failure));
    }

    static ScriptedStrategy hanging(String name) {
      return new ScriptedStrategy(name, p -> new CompletableFuture<>());
    }

    static ScriptedStrategy notApplicable(String name, Applicability applicability) {
      ScriptedStrategy s = new ScriptedStrategy(name, p -> new CompletableFuture<>());
      s.applicability = applicability;
      return s;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int priority() {
      return priority;
    }

    @Override
    public Duration timeout() {
      return LONG;
    }

    @Override
    public Applicability appliesTo(NodePair pair) {
      return applicability;
    }

    @Override
    public CompletableFuture<PeerPath> attempt(NodePair pair) {
      started++;
      lastAttempt = behaviour.apply(pair);
      return lastAttempt;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** A path that carries nothing and remembers whether it was closed. */
  static final class TestPath implements PeerPath {
    private final String strategy;
    private final PathKind kind;
    boolean closed;

    TestPath(String strategy, PathKind kind) {
      this.strategy = strategy;
      this.kind = kind;
    }

    @Override
    public String strategy() {
      return strategy;
    }

    @Override
    public PathKind kind() {
      return kind;
    }

    @Override
    public Optional<Duration> roundTripTime() {
      return Optional.empty();
    }

    @Override
    public long bytesSent() {
      return 0;
    }

    @Override
    public long bytesReceived() {
      return 0;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
