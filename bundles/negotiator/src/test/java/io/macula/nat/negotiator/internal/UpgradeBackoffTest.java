package io.macula.nat.negotiator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UpgradeBackoffTest {
  private static final long S = 1_000_000_000L;

  @Test
  void waitsTheFirstDelayThenDoublesUpToTheCeilingOneAttemptAtATime() {
    UpgradeBackoff b = new UpgradeBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4), 0, "a");
    assertFalse(b.due(S / 2));
    assertTrue(b.due(S));
    b.started();
    assertFalse(b.due(10 * S), "one attempt at a time");
    b.failed(S, 1.0);
    assertEquals(S, b.remaining(S));
    b.started();
    b.failed(2 * S, 1.0);
    assertEquals(2 * S, b.remaining(2 * S));
    b.started();
    b.failed(4 * S, 1.0);
    assertEquals(4 * S, b.remaining(4 * S));
    b.started();
    b.failed(8 * S, 1.0);
    assertEquals(4 * S, b.remaining(8 * S), "no longer than the ceiling");
  }

  @Test
  void jitterStretchesOrShortensTheDelay() {
    UpgradeBackoff b = new UpgradeBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0, "a");
    b.started();
    b.failed(0, 1.2);
    assertEquals(1_200_000_000L, b.remaining(0));
  }

  @Test
  void changedConditionsMakeItDueAtOnceAndResetTheDelay() {
    UpgradeBackoff b = new UpgradeBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0, "disabled");
    for (int i = 0; i < 5; i++) {
      b.started();
      b.failed(i * S, 1.0);
    }
    b.conditions("disabled", 5 * S);
    assertFalse(b.due(5 * S));
    b.conditions("enabled", 5 * S);
    assertTrue(b.due(5 * S));
    b.started();
    b.failed(5 * S, 1.0);
    assertEquals(S, b.remaining(5 * S), "the delay starts over");
  }
}
