package io.macula.nat.ice.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeId;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Each peer's offers: a burst, then one per interval, whatever the other peers do. */
class PeerRateLimitTest {
  private final AtomicLong now = new AtomicLong();
  private final PeerRateLimit limit = new PeerRateLimit(3, Duration.ofSeconds(2), 2, now::get);

  @Test
  void aBurstThenOnePerInterval() {
    NodeId a = node(1);
    assertEquals(3, allowedOf(a, 10));

    now.addAndGet(Duration.ofMillis(1999).toNanos());
    assertFalse(limit.allow(a));
    now.addAndGet(Duration.ofMillis(1).toNanos());
    assertTrue(limit.allow(a));
    assertFalse(limit.allow(a));

    now.addAndGet(Duration.ofMinutes(5).toNanos());
    assertEquals(3, allowedOf(a, 10), "a bucket fills no further than its burst");
  }

  @Test
  void onePeerDoesNotSpendAnothersBucket() {
    assertEquals(3, allowedOf(node(1), 10));
    assertEquals(3, allowedOf(node(2), 10));
  }

  private int allowedOf(NodeId peer, int tries) {
    int allowed = 0;
    for (int i = 0; i < tries; i++) {
      allowed += limit.allow(peer) ? 1 : 0;
    }
    return allowed;
  }

  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return NodeId.of(id);
  }
}
