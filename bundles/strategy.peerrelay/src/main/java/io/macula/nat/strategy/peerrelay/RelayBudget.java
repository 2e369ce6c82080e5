package io.macula.nat.strategy.peerrelay;

import java.util.function.LongSupplier;

/**
 * The bytes and packets a second a relay forwards in all: a token bucket of each, a second's worth
 * deep. One thread at a time (the endpoint's I/O thread relays).
 */
final class RelayBudget {
  private final LongSupplier nanos;
  private volatile long bytesPerSecond;
  private volatile long packetsPerSecond;
  private double bytes;
  private double packets;
  private long last;

  RelayBudget(long bytesPerSecond, long packetsPerSecond, LongSupplier nanos) {
    this.nanos = nanos;
    limit(bytesPerSecond, packetsPerSecond);
    this.bytes = bytesPerSecond;
    this.packets = packetsPerSecond;
    this.last = nanos.getAsLong();
  }

  /** New limits, from the next packet on. */
  void limit(long bytesPerSecond, long packetsPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
    this.packetsPerSecond = packetsPerSecond;
  }

  /** Whether a packet of {@code length} bytes fits the budget now; if it does, it is spent. */
  boolean spend(int length) {
    long now = nanos.getAsLong();
    double seconds = (now - last) / 1e9;
    last = now;
    long b = bytesPerSecond;
    long p = packetsPerSecond;
    bytes = Math.min(b, bytes + seconds * b);
    packets = Math.min(p, packets + seconds * p);
    if (bytes < length || packets < 1) {
      return false;
    }
    bytes -= length;
    packets -= 1;
    return true;
  }
}
