package io.macula.nat.strategy.hubrelay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PathSilenceTest {
  private static final long MS = 1_000_000L;

  @Test
  void aPathNothingArrivesOverWhileThisSideSendsIsSilent() {
    PathSilence s = new PathSilence(1500 * MS, "direct", 100, 1000, 0);
    assertFalse(s.silent("direct", 100, 2000, 500 * MS));
    assertFalse(s.silent("direct", 100, 3000, 1400 * MS));
    assertTrue(s.silent("direct", 100, 4000, 1600 * MS));
  }

  @Test
  void arrivalsKeepItAlive() {
    PathSilence s = new PathSilence(1500 * MS, "direct", 100, 1000, 0);
    for (long t = 250; t <= 5000; t += 250) {
      assertFalse(s.silent("direct", 100 + t, 1000 + t, t * MS));
    }
  }

  @Test
  void aSideThatOnlyListensIsNotMovedWhileNothingComes() {
    PathSilence s = new PathSilence(1500 * MS, "direct", 100, 1000, 0);
    assertFalse(s.silent("direct", 100, 1000, 5000 * MS), "nothing sent, nothing expected");
  }

  @Test
  void aNewPathStartsTheWatchAgain() {
    PathSilence s = new PathSilence(1500 * MS, "direct", 100, 1000, 0);
    s.silent("direct", 100, 2000, 1000 * MS);
    assertFalse(s.silent("relay", 0, 3000, 1600 * MS));
    assertFalse(s.silent("relay", 0, 4000, 2600 * MS));
    assertTrue(s.silent("relay", 0, 5000, 3200 * MS));
  }
}
