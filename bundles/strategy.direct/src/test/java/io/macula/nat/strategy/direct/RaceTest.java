package io.macula.nat.strategy.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class RaceTest {
  private static final class Conn implements AutoCloseable {
    boolean closed;

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void theFirstToSucceedWinsAndTheOthersAreAbandoned() throws Exception {
    CompletableFuture<Conn> slow = new CompletableFuture<>();
    CompletableFuture<Conn> failing = new CompletableFuture<>();
    CompletableFuture<Conn> fast = new CompletableFuture<>();
    CompletableFuture<Conn> winner = Race.first(List.of(slow, failing, fast));
    failing.completeExceptionally(new IllegalStateException("no answer"));
    Conn c = new Conn();
    fast.complete(c);
    assertEquals(c, winner.get());
    assertTrue(slow.isCancelled());
  }

  @Test
  void aLaterSuccessIsClosed() {
    CompletableFuture<Conn> a = new CompletableFuture<>();
    CompletableFuture<Conn> b = new CompletableFuture<>() {
      @Override
      public boolean cancel(boolean mayInterrupt) {
        return false; // a connect that completes anyway
      }
    };
    Race.first(List.of(a, b));
    a.complete(new Conn());
    Conn late = new Conn();
    b.complete(late);
    assertTrue(late.closed);
  }

  @Test
  void failsWhenAllFail() {
    CompletableFuture<Conn> a = new CompletableFuture<>();
    CompletableFuture<Conn> b = new CompletableFuture<>();
    CompletableFuture<Conn> winner = Race.first(List.of(a, b));
    a.completeExceptionally(new IllegalStateException("one"));
    assertTrue(!winner.isDone());
    b.completeExceptionally(new IllegalStateException("two"));
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, winner::get);
    assertEquals("two", e.getCause().getMessage());
  }
}
