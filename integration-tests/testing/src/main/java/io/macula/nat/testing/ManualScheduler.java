package io.macula.nat.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler and its clock that move only when the test says: every task runs on the test's
 * thread, in the order it falls due, and the clock reads the task's due time while it runs. A
 * state machine that takes both from its constructor runs the same in a test as it does in
 * production, with no real waiting and no races.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  public static final Instant EPOCH = Instant.parse("2025-01-01T00:00:00Z");

  private final ManualClock clock = new ManualClock();
  /** Guarded by this; by due time, then by the order of scheduling. */
  private final PriorityQueue<Task<?>> queue =
      new PriorityQueue<>(Comparator.<Task<?>, Instant>comparing(t -> t.due).thenComparingLong(t -> t.sequence));
  private long sequence; // guarded by this
  private boolean shutdown; // guarded by this

  public Clock clock() {
    return clock;
  }

  public Instant now() {
    return clock.instant();
  }

  /** How long since the scheduler was made. */
  public Duration elapsed() {
    return Duration.between(EPOCH, now());
  }

  /** The tasks still to run, now or later: none once everything that was started has stopped. */
  public synchronized int pending() {
    return (int) queue.stream().filter(t -> !t.isCancelled()).count();
  }

  /** Runs what is due now, and what that makes due now, until nothing is. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /** Moves the clock forward by {@code d}, running each task at its due time on the way. */
  public void advance(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("time does not go back: " + d);
    }
    Instant until = now().plus(d);
    for (Task<?> t; (t = nextDue(until)) != null; ) {
      if (t.due.isAfter(now())) {
        clock.now = t.due;
      }
      t.run();
      t.rethrowFailure();
    }
    clock.now = until;
  }

  private synchronized Task<?> nextDue(Instant until) {
    while (!queue.isEmpty() && queue.peek().isCancelled()) {
      queue.poll();
    }
    return queue.isEmpty() || queue.peek().due.isAfter(until) ? null : queue.poll();
  }

  private synchronized <V> Task<V> enqueue(Task<V> t, long delay, TimeUnit unit) {
    if (shutdown) {
      throw new RejectedExecutionException("the scheduler is shut down");
    }
    t.due = now().plusNanos(Math.max(0, unit.toNanos(delay)));
    t.sequence = sequence++;
    queue.add(t);
    return t;
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return enqueue(new Task<>(Executors.callable(command), 0, false), delay, unit);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return enqueue(new Task<>(callable, 0, false), delay, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    return enqueue(new Task<>(Executors.callable(command), unit.toNanos(period), true), initialDelay, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    return enqueue(new Task<>(Executors.callable(command), unit.toNanos(delay), false), initialDelay, unit);
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> left = new ArrayList<>(queue);
    queue.clear();
    return left;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown && queue.isEmpty();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  /** A task with its due time; a periodic one puts itself back after each run. */
  private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
    private final long periodNanos;
    private final boolean fixedRate;
    Instant due;
    long sequence;

    Task(Callable<V> callable, long periodNanos, boolean fixedRate) {
      super(callable);
      this.periodNanos = periodNanos;
      this.fixedRate = fixedRate;
    }

    @Override
    public void run() {
      if (periodNanos == 0) {
        super.run();
        return;
      }
      if (runAndReset()) {
        synchronized (ManualScheduler.this) {
          if (!shutdown) {
            due = (fixedRate ? due : now()).plusNanos(periodNanos);
            sequence = ManualScheduler.this.sequence++;
            queue.add(this);
          }
        }
      }
    }

    /** A real executor keeps a task's exception in its future, where no one looks: a test shows it. */
    void rethrowFailure() {
      if (!isDone() || isCancelled()) {
        return;
      }
      try {
        get();
      } catch (ExecutionException e) {
        throw new AssertionError("a scheduled task threw " + e.getCause(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(Duration.between(now(), due));
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }
  }

  /** The clock the scheduler moves. */
  private static final class ManualClock extends Clock {
    volatile Instant now = EPOCH;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("a test clock stays in UTC");
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
