package io.macula.nat.transport.internal;

/**
 * The relay frames of one key and direction seen lately, as IPsec's anti-replay window with
 * extended sequence numbers does it (RFC 4303 §3.4.3, Appendix A): frames carry the low 24 bits of
 * a 64-bit sequence number, the receiver infers the rest from the highest it accepted, and the MAC
 * covers all 64 bits. A frame is taken once, and not when it is older than the window.
 */
final class ReplayWindow {
  static final int SIZE = 1024;
  private static final long LOW_BITS = 1L << 24;
  private static final long LOW_MASK = LOW_BITS - 1;

  private final long[] seen = new long[SIZE / 64]; // bit (seq % SIZE): seq was accepted
  private long highest = -1; // guarded by this

  /** The full sequence number a frame's low 24 bits stand for: the one nearest the window. */
  synchronized long infer(int low) {
    if (highest < 0) {
      return low;
    }
    long top = highest >>> 24;
    long topLow = highest & LOW_MASK;
    long bottom = topLow - SIZE + 1;
    if (bottom >= 0) {
      return ((low >= bottom ? top : top + 1) << 24) | low;
    }
    // The window reaches back into the previous 2^24 numbers.
    return (low >= bottom + LOW_BITS && top > 0 ? top - 1 : top) << 24 | low;
  }

  /** Takes {@code seq} if it is new and inside the window; false for a replay or a frame too old. */
  synchronized boolean accept(long seq) {
    if (seq > highest) {
      for (long s = Math.max(highest + 1, seq - SIZE + 1); s < seq; s++) {
        clear(s); // numbers skipped over: not seen yet
      }
      highest = seq;
      set(seq);
      return true;
    }
    if (seq <= highest - SIZE || isSet(seq)) {
      return false;
    }
    set(seq);
    return true;
  }

  private boolean isSet(long seq) {
    int bit = (int) (seq % SIZE);
    return (seen[bit >>> 6] & (1L << (bit & 63))) != 0;
  }

  private void set(long seq) {
    int bit = (int) (seq % SIZE);
    seen[bit >>> 6] |= 1L << (bit & 63);
  }

  private void clear(long seq) {
    int bit = (int) (seq % SIZE);
    seen[bit >>> 6] &= ~(1L << (bit & 63));
  }
}
