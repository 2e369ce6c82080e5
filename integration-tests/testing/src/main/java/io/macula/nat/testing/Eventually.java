package io.macula.nat.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition that another thread makes true, up to a deadline, and fails naming it. */
public final class Eventually {
  private Eventually() {}

  /** Polls {@code condition} every few milliseconds until it holds, or fails after {@code deadline}. */
  public static void until(String what, BooleanSupplier condition, Duration deadline) {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("within " + deadline.toMillis() + " ms, expected: " + what);
      }
      try {
        Thread.sleep(2); // another thread is working: give it the core
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for: " + what, e);
      }
    }
  }

  /** The same, with a deadline of 10 s. */
  public static void until(String what, BooleanSupplier condition) {
    until(what, condition, Duration.ofSeconds(10));
  }
}
