package io.macula.nat.strategy.direct;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** All of the connects at once: the first to succeed is the result, and the others are abandoned. */
final class Race {
  private Race() {}

  static <T extends AutoCloseable> CompletableFuture<T> first(List<CompletableFuture<T>> attempts) {
    if (attempts.size() == 1) {
      return attempts.get(0);
    }
    CompletableFuture<T> winner = new CompletableFuture<>();
    AtomicInteger failed = new AtomicInteger();
    for (CompletableFuture<T> a : attempts) {
      a.whenComplete((value, e) -> {
        if (e == null) {
          if (!winner.complete(value)) {
            closeQuietly(value); // a later one: the winner has its connection
          }
        } else if (failed.incrementAndGet() == attempts.size()) {
          winner.completeExceptionally(e);
        }
      });
    }
    winner.whenComplete((value, e) -> attempts.forEach(a -> a.cancel(true)));
    return winner;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // closing a connection nobody uses
    }
  }
}
