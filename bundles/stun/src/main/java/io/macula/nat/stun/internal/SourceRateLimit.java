package io.macula.nat.stun.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * How many answers a STUN server gives one source prefix (an IPv4 /24, an IPv6 /64) each second:
 * a token bucket per prefix, so that requests with forged sources cannot turn the server into an
 * amplifier aimed at one network. The prefixes live in a bounded table, least recently seen going
 * first, so that no sender makes state that outlives it.
 */
final class SourceRateLimit {
  static final int MAX_PREFIXES = 4096;

  private final double perSecond;
  private final double burst;
  private final LongSupplier nanos;
  /** Guarded by this: prefix to bucket, least recently used first. */
  private final Map<Long, Bucket> buckets = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Bucket> eldest) {
      return size() > MAX_PREFIXES;
    }
  };

  private static final class Bucket {
    double tokens;
    long at;
  }

  /** @param perSecond answers a prefix gets each second, and twice as many at once; 0: no limit */
  SourceRateLimit(int perSecond, LongSupplier nanos) {
    this.perSecond = perSecond;
    this.burst = 2.0 * perSecond;
    this.nanos = nanos;
  }

  /** Whether the source may have an answer now; takes one token if so. */
  synchronized boolean allow(InetAddress source) {
    if (perSecond <= 0) {
      return true;
    }
    long now = nanos.getAsLong();
    Bucket b = buckets.get(prefix(source));
    if (b == null) {
      b = new Bucket();
      b.tokens = burst;
      b.at = now;
      buckets.put(prefix(source), b);
    }
    b.tokens = Math.min(burst, b.tokens + (now - b.at) / 1e9 * perSecond);
    b.at = now;
    if (b.tokens < 1) {
      return false;
    }
    b.tokens -= 1;
    return true;
  }

  synchronized int prefixes() {
    return buckets.size();
  }

  /** The /24 of an IPv4 address, the /64 of an IPv6 one, as one number (families kept apart). */
  private static long prefix(InetAddress a) {
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      return (1L << 40) | ((b[0] & 0xffL) << 16) | ((b[1] & 0xffL) << 8) | (b[2] & 0xffL);
    }
    long p = 0;
    for (int i = 0; i < 8; i++) {
      p = (p << 8) | (b[i] & 0xffL);
    }
    return p;
  }
}
