package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Each sequence number once, a little out of order, across the 24-bit wrap. */
class ReplayWindowTest {
  private final ReplayWindow window = new ReplayWindow();

  private boolean take(long seq) {
    return window.accept(window.infer((int) (seq & 0xFFFFFF)));
  }

  @Test
  void eachNumberIsTakenOnceInAnyOrderWithinTheWindow() {
    assertTrue(take(0));
    assertTrue(take(5));
    assertTrue(take(3), "late, but inside the window");
    assertFalse(take(3), "a replay");
    assertFalse(take(5), "a replay");
    assertTrue(take(4));
    assertTrue(take(5 + ReplayWindow.SIZE));
    assertFalse(window.accept(4), "now older than the window");
  }

  @Test
  void theHighBitsAreInferredAcrossTheWrap() {
    long nearWrap = (1L << 24) - 3;
    for (long s = 0; s <= nearWrap; s += 500) {
      assertTrue(take(s));
    }
    assertTrue(take(nearWrap));
    assertEquals((1L << 24) + 2, window.infer(2), "past the wrap: the next round of numbers");
    assertTrue(take((1L << 24) + 2));
    assertEquals((1L << 24) - 10, window.infer((int) ((1L << 24) - 10)), "just before it: still this round");
    assertTrue(take((1L << 24) - 10));
    assertFalse(take(nearWrap), "a replay from before the wrap");
  }
}
