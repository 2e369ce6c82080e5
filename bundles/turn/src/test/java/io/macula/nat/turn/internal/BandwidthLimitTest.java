package io.macula.nat.turn.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A second's worth at once, then as fast as the rate refills it; 0 is no limit. */
class BandwidthLimitTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aBurstOfOneSecondThenTheRate() {
    BandwidthLimit limit = new BandwidthLimit(1000, 0);
    assertTrue(limit.take(600, 0));
    assertTrue(limit.take(400, 0));
    assertFalse(limit.take(1, 0), "the second's worth is spent");
    assertFalse(limit.take(200, SECOND / 10), "a tenth of a second gives 100 bytes, not 200");
    assertTrue(limit.take(200, SECOND / 5));
    assertTrue(limit.take(1000, 10 * SECOND), "a long pause refills no more than a second's worth");
    assertFalse(limit.take(1, 10 * SECOND));
  }

  @Test
  void zeroMeansNoLimit() {
    BandwidthLimit none = new BandwidthLimit(0, 0);
    assertTrue(none.take(Long.MAX_VALUE / 2, 0));
    assertTrue(none.take(Long.MAX_VALUE / 2, 0));
    assertThrows(IllegalArgumentException.class, () -> new BandwidthLimit(-1, 0));
  }
}
