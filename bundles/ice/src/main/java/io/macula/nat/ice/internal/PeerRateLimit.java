package io.macula.nat.ice.internal;

import io.macula.nat.api.NodeId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per peer: {@code burst} at once, then one every {@code interval}. The buckets of
 * the peers seen least lately are forgotten past {@code peers}, so strangers cannot grow it; a
 * forgotten peer starts again with a full bucket, which costs the node no more than a new peer.
 */
final class PeerRateLimit {
  private final int burst;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Map<NodeId, double[]> buckets; // {tokens, last refill in ns}; guarded by this

  PeerRateLimit(int burst, java.time.Duration interval, int peers, LongSupplier nanoTime) {
    this.burst = burst;
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
    this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<NodeId, double[]> eldest) {
        return size() > peers;
      }
    };
  }

  /** Takes a token of the peer's bucket if there is one. */
  synchronized boolean allow(NodeId peer) {
    long now = nanoTime.getAsLong();
    double[] b = buckets.computeIfAbsent(peer, p -> new double[] {burst, now});
    b[0] = Math.min(burst, b[0] + (now - (long) b[1]) / (double) intervalNanos);
    b[1] = now;
    if (b[0] < 1) {
      return false;
    }
    b[0] -= 1;
    return true;
  }
}
