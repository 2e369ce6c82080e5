package io.macula.nat.hub.internal;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Sends a message to every node of a hub a batch at a time ({@link #BATCH} each {@link #GAP}):
 * each send is a task of the hub's event loop, and thousands at once held it for seconds, long
 * enough for other hubs to take it for dead. A newer broadcast ends the one under way, which
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
    long g;
    synchronized (this) {
      g = ++generation;
    }
    batch(g, receivers, send, 0);
  }

  private void batch(long g, List<S> receivers, Consumer<S> send, int from) {
    synchronized (this) {
      if (g != generation) {
        return;
      }
    }
    int to = Math.min(receivers.size(), from + BATCH);
    receivers.subList(from, to).forEach(send);
    if (to < receivers.size()) {
      later.run(() -> batch(g, receivers, send, to), GAP);
    }
  }
}
