package io.macula.nat.hub.internal;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * Sends a message to every node of a hub a batch at a time ({@link #BATCH} each {@link #GAP}):
 * each send is a task of the hub's event loop, and thousands at once held it for seconds, long
 * enough for other hubs to take it for dead. A batch may be smaller when the receivers have less
 * room (they are still answering earlier ones). A newer broadcast ends the one under way, which
 * carried older news.
 */
final class PacedBroadcast<S> {
  static final int BATCH = 100;
  static final Duration GAP = Duration.ofMillis(100);

  /** Runs a task after a while: the hub's timer. */
  interface Later {
    void run(Runnable task, Duration after);
  }

  private final Later later;
  /** The broadcast under way; a batch of an older one sends nothing. Guarded by this. */
  private long generation;

  PacedBroadcast(Later later) {
    this.later = later;
  }

  /** Starts a broadcast to these receivers, each given to {@code send}: the first batch now, on the caller's thread. */
  void start(List<S> receivers, Consumer<S> send) {
    start(receivers, s -> {
      send.accept(s);
      return true;
    }, () -> BATCH);
  }

  /**
   * Starts a broadcast whose batches send at most {@code room} messages each (a full batch at
   * most): the first batch now, on the caller's thread.
   *
   * @param send sends to one receiver, or skips it (false: it is sent nothing, and takes no room)
   * @param room how many more may be sent now, asked before each batch
   */
  void start(List<S> receivers, Predicate<S> send, IntSupplier room) {
    long g;
    synchronized (this) {
      g = ++generation;
    }
    batch(g, receivers, send, room, 0);
  }

  private void batch(long g, List<S> receivers, Predicate<S> send, IntSupplier room, int from) {
    synchronized (this) {
      if (g != generation) {
        return;
      }
    }
    int budget = Math.min(BATCH, room.getAsInt());
    int next = from;
    while (next < receivers.size() && budget > 0) {
      if (send.test(receivers.get(next++))) {
        budget--;
      }
    }
    if (next < receivers.size()) {
      int resume = next;
      later.run(() -> batch(g, receivers, send, room, resume), GAP);
    }
  }
}
