package io.macula.nat.negotiator.internal;

import io.macula.nat.api.TraversalEvent;
import io.macula.nat.api.TraversalListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Hands traversal events to the whiteboard's listeners, in order, on a thread of its own, so that a
 * slow or failing listener never delays a connect.
 */
final class EventDispatcher implements AutoCloseable {
  /** Beyond this many undelivered events, new ones are dropped rather than held without bound. */
  private static final int QUEUE_LIMIT = 10_000;

  private final List<TraversalListener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService thread;
  private final BiConsumer<TraversalListener, RuntimeException> onListenerFailure;

  EventDispatcher(BiConsumer<TraversalListener, RuntimeException> onListenerFailure) {
    this.onListenerFailure = onListenerFailure;
    this.thread =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(QUEUE_LIMIT),
            r -> {
              Thread t = new Thread(r, "nat-traversal-events");
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.DiscardPolicy());
  }

  void add(TraversalListener listener) {
    listeners.add(listener);
  }

  void remove(TraversalListener listener) {
    listeners.remove(listener);
  }

  void publish(TraversalEvent event) {
    if (listeners.isEmpty()) {
      return;
    }
    try {
      thread.execute(() -> deliver(event));
    } catch (RejectedExecutionException e) {
      // shut down: nobody is left to tell
    }
  }

  private void deliver(TraversalEvent event) {
    for (TraversalListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        onListenerFailure.accept(l, e);
      }
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
