package io.macula.nat.itest;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition, with a deadline, instead of sleeping for a guessed time. */
public final class Await {
  static final Duration DEFAULT = Duration.ofSeconds(10);
  /** Between two looks: a look is often a command to a node, which shares the machine's cores. */
  private static final Duration POLL = Duration.ofMillis(50);

  private Await() {}

  static void until(String what, BooleanSupplier condition) {
    until(what, condition, DEFAULT);
  }

  public static void until(String what, BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("within " + timeout.toMillis() + " ms, expected: " + what);
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for: " + what, e);
      }
    }
  }

  /** Waits until the supplier's value satisfies the condition, and returns that value. */
  static <T> T value(String what, Supplier<T> supplier, java.util.function.Predicate<T> condition) {
    return value(what, supplier, condition, DEFAULT);
  }

  /** The same, with a deadline of its own. */
  static <T> T value(String what, Supplier<T> supplier, java.util.function.Predicate<T> condition,
      Duration timeout) {
    Object[] last = new Object[1];
    try {
      until(
          what,
          () -> {
            T v = supplier.get();
            last[0] = v;
            return condition.test(v);
          },
          timeout);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last seen: " + last[0], e);
    }
    @SuppressWarnings("unchecked")
    T v = (T) last[0];
    return v;
  }
}
