package io.macula.nat.strategy.peerrelay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RelayBudgetTest {
  @Test
  void aSecondsWorthPassesThenTheRateRefills() {
    AtomicLong now = new AtomicLong();
    RelayBudget budget = new RelayBudget(3000, 10, now::get);
    assertTrue(budget.spend(1500));
    assertTrue(budget.spend(1500));
    assertFalse(budget.spend(1), "the bytes of one second are spent");
    now.addAndGet(500_000_000L);
    assertTrue(budget.spend(1500), "half a second refills half");
    assertFalse(budget.spend(1));
  }

  @Test
  void packetsAreCountedToo() {
    AtomicLong now = new AtomicLong();
    RelayBudget budget = new RelayBudget(1_000_000, 2, now::get);
    assertTrue(budget.spend(10));
    assertTrue(budget.spend(10));
    assertFalse(budget.spend(10));
    budget.limit(1_000_000, 4);
    now.addAndGet(1_000_000_000L);
    for (int i = 0; i < 4; i++) {
      assertTrue(budget.spend(10), "new limits hold from the next packet");
    }
    assertFalse(budget.spend(10));
  }
}
