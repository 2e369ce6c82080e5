package io.macula.nat.negotiator.internal;

import io.macula.nat.api.Applicability;
import io.macula.nat.api.AttemptOutcome;
import io.macula.nat.api.AttemptRecord;
import io.macula.nat.api.ConnectionStrategy;
import io.macula.nat.api.NegotiationFailedException;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PeerConnection;
import io.macula.nat.api.PeerPath;
import io.macula.nat.api.StrategyFailure;
import io.macula.nat.api.TraversalEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One connect: runs the planned strategies in order, staggered. The next strategy starts when the
 * latest one fails or its timeout passes; an attempt past its timeout keeps running, so a late path
 * can still win. The first path wins and every other attempt is cancelled. When no strategy is left
 * to start and the latest has failed or timed out, the connect fails.
 *
 * <p>All state is confined to the negotiator's single scheduler thread: every callback, timer and
 * strategy completion is hopped onto it, so no field here needs a lock.
 */
final class Negotiation {
  /** Where a negotiation reports what happens. Called on the scheduler thread; must not block. */
  interface Sink {
    void started(EffectiveStrategy strategy);

    void recorded(AttemptRecord record);

    void event(TraversalEvent event);

    void finished(Negotiation negotiation);
  }

  private final long id;
  private final NodePair pair;
  private final List<EffectiveStrategy> plan;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Sink sink;
  private final CompletableFuture<PeerConnection> result = new CompletableFuture<>();

  private int next;
  private Attempt latest;
  private boolean finished;
  private final List<Attempt> attempts = new ArrayList<>();
  private final java.util.Set<ConnectionStrategy> removed =
      java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

  Negotiation(
      long id,
      NodePair pair,
      List<EffectiveStrategy> plan,
      ScheduledExecutorService scheduler,
      Clock clock,
      Sink sink) {
    this.id = id;
    this.pair = pair;
    this.plan = List.copyOf(plan);
    this.scheduler = scheduler;
    this.clock = clock;
    this.sink = sink;
  }

  long id() {
    return id;
  }

  /** Starts on the scheduler thread; the future ends the connect when cancelled. */
  CompletableFuture<PeerConnection> start() {
    result.whenComplete(
        (c, e) -> {
          if (e instanceof CancellationException) {
            runOnScheduler(() -> abandon(AttemptOutcome.CANCELLED, "the connect was cancelled"));
          }
        });
    runOnScheduler(this::advance);
    return result;
  }

  /** The strategy's service went away: its running attempt is cancelled, and it is not started. */
  void strategyRemoved(ConnectionStrategy strategy) {
    runOnScheduler(
        () -> {
          removed.add(strategy);
          for (Attempt a : running()) {
            if (a.strategy.strategy() == strategy) {
              a.end(AttemptOutcome.CANCELLED, "the strategy was removed", null);
              a.future.cancel(true);
              if (a == latest) {
                advance();
              }
            }
          }
        });
  }

  /** The negotiator is going away. */
  void shutdown() {
    runOnScheduler(() -> abandon(AttemptOutcome.CANCELLED, "the negotiator stopped"));
  }

  private void runOnScheduler(Runnable task) {
    try {
      scheduler.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      result.completeExceptionally(
          new NegotiationFailedException(pair.remote().id(), "the negotiator stopped", records()));
    }
  }

  private void advance() {
    if (finished) {
      return;
    }
    while (next < plan.size()) {
      EffectiveStrategy s = plan.get(next++);
      if (removed.contains(s.strategy())) {
        continue; // gone since the plan was made
      }
      Attempt a = new Attempt(s);
      attempts.add(a);
      Applicability applicability;
      try {
        applicability = s.strategy().appliesTo(pair);
      } catch (RuntimeException e) {
        a.end(AttemptOutcome.INTERNAL_ERROR, "appliesTo threw " + e, null);
        continue;
      }
      if (applicability == null || !applicability.applies()) {
        String why = applicability == null ? "appliesTo gave no answer" : applicability.reason();
        a.end(AttemptOutcome.NOT_APPLICABLE, why, null);
        continue;
      }
      a.launch();
      return;
    }
    if (running().isEmpty()) {
      fail();
    } else {
      abandon(AttemptOutcome.TIMED_OUT, null);
    }
  }

  private void onTimeout(Attempt a) {
    if (finished || a.record != null) {
      return;
    }
    a.timedOut = true;
    sink.event(
        new TraversalEvent.AttemptTimedOut(id, pair.remote().id(), a.strategy.name(), a.elapsed()));
    if (a == latest) {
      advance();
    }
  }

  private void onCompletion(Attempt a, PeerPath path, Throwable error) {
    if (a.record != null || finished) {
      if (path != null) {
        path.close(); // a path that arrived after the connect ended belongs to no one
      }
      return;
    }
    if (error == null && path != null) {
      win(a, path);
      return;
    }
    Throwable cause = error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
    if (cause instanceof StrategyFailure f) {
      a.end(AttemptOutcome.of(f.kind()), f.getMessage(), null);
    } else if (cause == null) {
      a.end(AttemptOutcome.INTERNAL_ERROR, "the strategy yielded no path", null);
    } else if (cause instanceof CancellationException) {
      a.end(AttemptOutcome.CANCELLED, "the strategy cancelled its attempt", null);
    } else {
      a.end(AttemptOutcome.INTERNAL_ERROR, "the strategy failed: " + cause, null);
    }
    if (a == latest) {
      advance();
    }
  }

  private void win(Attempt winner, PeerPath path) {
    finished = true;
    winner.end(AttemptOutcome.SUCCEEDED, "", path);
    for (Attempt a : running()) {
      if (a.timedOut) {
        a.end(
            AttemptOutcome.TIMED_OUT,
            "no path within " + millis(a.strategy.timeout()) + " ms; abandoned when "
                + winner.strategy.name() + " won",
            null);
      } else {
        a.end(AttemptOutcome.CANCELLED, winner.strategy.name() + " won first", null);
      }
      a.future.cancel(true);
    }
    NegotiatedConnection connection =
        new NegotiatedConnection(pair.remote().id(), path, clock.instant(), records());
    sink.finished(this);
    if (!result.complete(connection)) {
      connection.close(); // the caller cancelled while the winning path was being reported
    }
  }

  private void fail() {
    finished = true;
    List<AttemptRecord> records = records();
    String message;
    if (records.isEmpty()) {
      message = "no enabled connection strategy is installed";
    } else {
      // Each strategy's own reason says the real cause ("UDP is blocked here and no TURN server is
      // configured", "no session with the hub: UDP and TCP to ... failed"); a timeout's says only that.
      message =
          "no strategy reached " + pair.remote().id().shortForm() + ": "
              + records.stream()
                  .map(r -> r.strategy() + " " + r.outcome().label()
                      + (r.outcome() == AttemptOutcome.TIMED_OUT || r.reason().isEmpty() ? "" : " (" + r.reason() + ")"))
                  .collect(Collectors.joining(", "));
    }
    sink.finished(this);
    result.completeExceptionally(
        new NegotiationFailedException(pair.remote().id(), message, records));
  }

  /** Ends every running attempt; with a null reason, each says it passed its timeout. */
  private void abandon(AttemptOutcome outcome, String reason) {
    if (finished) {
      return;
    }
    for (Attempt a : running()) {
      a.end(outcome, reason != null ? reason : "no path within " + millis(a.strategy.timeout())
          + " ms, and no strategy is left to try", null);
      a.future.cancel(true);
    }
    fail();
  }

  private List<Attempt> running() {
    return attempts.stream().filter(a -> a.future != null && a.record == null).toList();
  }

  private List<AttemptRecord> records() {
    return attempts.stream()
        .filter(a -> a.record != null)
        .sorted(Comparator.comparing(a -> a.record.started()))
        .map(a -> a.record)
        .toList();
  }

  private static long millis(Duration d) {
    return d.toMillis();
  }

  /** One strategy's attempt within this connect. */
  private final class Attempt {
    final EffectiveStrategy strategy;
    final Instant started = clock.instant();
    CompletableFuture<PeerPath> future;
    ScheduledFuture<?> timer;
    boolean timedOut;
    AttemptRecord record;

    Attempt(EffectiveStrategy strategy) {
      this.strategy = strategy;
    }

    Duration elapsed() {
      return Duration.between(started, clock.instant());
    }

    void launch() {
      latest = this;
      sink.started(strategy);
      sink.event(
          new TraversalEvent.AttemptStarted(id, pair.remote().id(), strategy.name(), Duration.ZERO));
      try {
        future = strategy.strategy().attempt(pair);
      } catch (RuntimeException e) {
        future = CompletableFuture.failedFuture(e);
      }
      if (future == null) {
        future = CompletableFuture.completedFuture(null);
      }
      timer =
          scheduler.schedule(
              () -> onTimeout(this), strategy.timeout().toNanos(), TimeUnit.NANOSECONDS);
      future.whenComplete((path, error) -> runOnScheduler(() -> onCompletion(this, path, error)));
    }

    void end(AttemptOutcome outcome, String reason, PeerPath path) {
      if (timer != null) {
        timer.cancel(false);
      }
      Duration elapsed = elapsed();
      record =
          new AttemptRecord(
              id,
              pair.remote().id(),
              strategy.name(),
              strategy.priority(),
              strategy.timeout(),
              started,
              elapsed,
              outcome,
              reason,
              Optional.ofNullable(path).map(PeerPath::kind));
      sink.recorded(record);
      if (outcome == AttemptOutcome.SUCCEEDED) {
        sink.event(
            new TraversalEvent.AttemptSucceeded(
                id, pair.remote().id(), strategy.name(), elapsed, path.kind()));
      } else {
        sink.event(
            new TraversalEvent.AttemptFailed(
                id, pair.remote().id(), strategy.name(), elapsed, outcome, reason));
      }
    }
  }
}
