package io.macula.nat.negotiator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.Applicability;
import io.macula.nat.api.AttemptOutcome;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NegotiationTest {
  private static final NodeId NODE = NodeId.of(new byte[32]);
  private static final Duration LONG = Duration.ofSeconds(30);

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final List<AttemptRecord> records = new ArrayList<>();
  private final List<TraversalEvent> events = new ArrayList<>();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void theFirstStrategyToSucceedWins() throws Exception {
    ScriptedStrategy direct = ScriptedStrategy.succeeding("direct", PathKind.DIRECT);
    ScriptedStrategy relay = ScriptedStrategy.succeeding("hubrelay", PathKind.HUB_RELAY);

    PeerConnection c = connect(plan(direct, 100, LONG), plan(relay, 40, LONG));

    assertEquals(PathKind.DIRECT, c.path().kind());
    assertEquals(0, relay.started, "a lower priority starts only after a failure or a timeout");
    assertEquals(List.of("direct succeeded"), summary(c.attempts()));
  }

  @Test
  void aFailureStartsTheNextStrategyAtOnce() throws Exception {
    ScriptedStrategy direct =
        ScriptedStrategy.failing("direct", StrategyFailure.refused("peer said no"));
    ScriptedStrategy relay = ScriptedStrategy.succeeding("hubrelay", PathKind.HUB_RELAY);

    PeerConnection c = connect(plan(direct, 100, LONG), plan(relay, 40, LONG));

    assertEquals(PathKind.HUB_RELAY, c.path().kind());
    assertEquals(List.of("direct refused", "hubrelay succeeded"), summary(c.attempts()));
    assertEquals("peer said no", c.attempts().get(0).reason());
  }

  @Test
  void aTimeoutStartsTheNextWhileTheSlowOneKeepsRunning() throws Exception {
    ScriptedStrategy slow = ScriptedStrategy.hanging("direct");
    ScriptedStrategy relay = ScriptedStrategy.succeeding("hubrelay", PathKind.HUB_RELAY);

    PeerConnection c =
        connect(plan(slow, 100, Duration.ofMillis(50)), plan(relay, 40, LONG));

    assertEquals(PathKind.HUB_RELAY, c.path().kind());
    assertEquals(List.of("direct timed-out", "hubrelay succeeded"), summary(c.attempts()));
    assertTrue(slow.lastAttempt.isCancelled(), "the loser's attempt is cancelled");
    assertTrue(
        events.stream().anyMatch(e -> e instanceof TraversalEvent.AttemptTimedOut t
            && t.strategy().equals("direct")));
  }

  @Test
  void aLateSuccessOfAnEarlierStrategyStillWins() throws Exception {
    ScriptedStrategy late = ScriptedStrategy.hanging("direct");
    ScriptedStrategy relay = ScriptedStrategy.hanging("hubrelay");
    CompletableFuture<PeerConnection> result =
        start(plan(late, 100, Duration.ofMillis(20)), plan(relay, 40, LONG));

    waitFor(() -> relay.started == 1);
    late.lastAttempt.complete(new TestPath("direct", PathKind.DIRECT));
    PeerConnection c = result.get(5, TimeUnit.SECONDS);

    assertEquals(PathKind.DIRECT, c.path().kind());
    assertEquals(List.of("direct succeeded", "hubrelay cancelled"), summary(c.attempts()));
    assertTrue(relay.lastAttempt.isCancelled());
  }

  @Test
  void notApplicableIsRecordedWithItsReasonAndSkippedAtOnce() throws Exception {
    ScriptedStrategy direct = ScriptedStrategy.succeeding("direct", PathKind.DIRECT);
    direct.applicability = Applicability.no("the remote is behind a NAT");
    ScriptedStrategy relay = ScriptedStrategy.succeeding("hubrelay", PathKind.HUB_RELAY);

    PeerConnection c = connect(plan(direct, 100, LONG), plan(relay, 40, LONG));

    assertEquals(List.of("direct not-applicable", "hubrelay succeeded"), summary(c.attempts()));
    assertEquals("the remote is behind a NAT", c.attempts().get(0).reason());
    assertEquals(0, direct.started);
  }

  @Test
  void whenEveryStrategyFailsTheConnectFailsWithEveryAttempt() {
    ScriptedStrategy a =
        ScriptedStrategy.failing("direct", StrategyFailure.networkError("unreachable", null));
    ScriptedStrategy b = ScriptedStrategy.hanging("hubrelay");

    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class,
            () ->
                start(plan(a, 100, LONG), plan(b, 40, Duration.ofMillis(30)))
                    .get(5, TimeUnit.SECONDS));

    NegotiationFailedException failure = assertInstanceOf(NegotiationFailedException.class, e.getCause());
    assertEquals(List.of("direct network-error", "hubrelay timed-out"), summary(failure.attempts()));
    assertTrue(b.lastAttempt.isCancelled());
  }

  @Test
  void aStrategyThatThrowsIsRecordedAsAnInternalErrorAndTheNextRuns() throws Exception {
    ScriptedStrategy broken =
        new ScriptedStrategy("broken", pair -> {
          throw new IllegalStateException("bug");
        });
    ScriptedStrategy relay = ScriptedStrategy.succeeding("hubrelay", PathKind.HUB_RELAY);

    PeerConnection c = connect(plan(broken, 100, LONG), plan(relay, 40, LONG));

    assertEquals(List.of("broken internal-error", "hubrelay succeeded"), summary(c.attempts()));
  }

  @Test
  void anEmptyPlanFailsAndSaysSo() {
    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> start().get(5, TimeUnit.SECONDS));
    assertEquals("no enabled connection strategy is installed", e.getCause().getMessage());
  }

  @Test
  void cancellingTheConnectCancelsTheRunningAttempt() throws Exception {
    ScriptedStrategy slow = ScriptedStrategy.hanging("direct");
    CompletableFuture<PeerConnection> result = start(plan(slow, 100, LONG));
    waitFor(() -> slow.started == 1);

    result.cancel(true);

    waitFor(() -> slow.lastAttempt.isCancelled());
    waitFor(() -> recorded().contains("direct cancelled"));
  }

  @Test
  void aRemovedStrategysAttemptIsCancelledAndTheNextStarts() throws Exception {
    ScriptedStrategy leaving = ScriptedStrategy.hanging("direct");
    ScriptedStrategy relay = ScriptedStrategy.succeeding("hubrelay", PathKind.HUB_RELAY);
    Negotiation n = negotiation(plan(leaving, 100, LONG), plan(relay, 40, LONG));
    CompletableFuture<PeerConnection> result = n.start();
    waitFor(() -> leaving.started == 1);

    n.strategyRemoved(leaving);

    PeerConnection c = result.get(5, TimeUnit.SECONDS);
    assertEquals(List.of("direct cancelled", "hubrelay succeeded"), summary(c.attempts()));
    assertEquals("the strategy was removed", c.attempts().get(0).reason());
  }

  // --- helpers

  private PeerConnection connect(EffectiveStrategy... plan) throws Exception {
    try {
      return start(plan).get(5, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the connect did not end within 5 s", e);
    }
  }

  private CompletableFuture<PeerConnection> start(EffectiveStrategy... plan) {
    return negotiation(plan).start();
  }

  private Negotiation negotiation(EffectiveStrategy... plan) {
    NodePair pair = new NodePair(NodeDescriptor.unknown(NODE), NodeDescriptor.unknown(NODE));
    return new Negotiation(1, pair, List.of(plan), scheduler, Clock.systemUTC(), new Negotiation.Sink() {
      @Override
      public void started(EffectiveStrategy strategy) {}

      @Override
      public void recorded(AttemptRecord record) {
        synchronized (records) {
          records.add(record);
        }
      }

      @Override
      public void event(TraversalEvent event) {
        synchronized (events) {
          events.add(event);
        }
      }

      @Override
      public void finished(Negotiation negotiation) {}
    });
  }

  private List<String> recorded() {
    synchronized (records) {
      return summary(records);
    }
  }

  private static EffectiveStrategy plan(ScriptedStrategy s, int priority, Duration timeout) {
    return new EffectiveStrategy(s, s.name(), priority, timeout, true, "test");
  }

  private static List<String> summary(List<AttemptRecord> records) {
    return records.stream().map(r -> r.strategy() + " " + r.outcome().label()).toList();
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 5 s");
      }
      Thread.sleep(2);
    }
  }

  /** A strategy whose attempts do what the test says. */
  static final class ScriptedStrategy implements ConnectionStrategy {
    private final String name;
    private final Function<NodePair, CompletableFuture<PeerPath>> behaviour;
    volatile Applicability applicability = Applicability.yes();
    volatile int started;
    volatile CompletableFuture<PeerPath> lastAttempt;

    ScriptedStrategy(String name, Function<NodePair, CompletableFuture<PeerPath>> behaviour) {
      this.name = name;
      this.behaviour = behaviour;
    }

    static ScriptedStrategy succeeding(String name, PathKind kind) {
      return new ScriptedStrategy(name, p -> CompletableFuture.completedFuture(new TestPath(name, kind)));
    }

    static ScriptedStrategy failing(String name, StrategyFailure failure) {
      return new ScriptedStrategy(name, p -> CompletableFuture.failedFuture(failure));
    }

    static ScriptedStrategy hanging(String name) {
      return new ScriptedStrategy(name, p -> new CompletableFuture<>());
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int priority() {
      return 0;
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
  }

  record TestPath(String strategy, PathKind kind) implements PeerPath {
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
  }
}
