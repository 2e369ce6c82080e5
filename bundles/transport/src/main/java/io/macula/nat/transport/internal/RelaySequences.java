package io.macula.nat.transport.internal;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sequence numbers of relay frames, per relay key: the next to send, and the window of those
 * received. A key is one node's session with its hub, and each of its two directions is sent by
 * one end and received by the other, so a key's counter and window start together at 0 (a key
 * between two hubs serves one direction, from the hub that made it). Held
 * weakly by the key itself: when the hub forgets a registration, or a node its hub, they go too.
 */
final class RelaySequences {
  /** One key's state at this end. */
  static final class OfKey {
    final AtomicLong next = new AtomicLong();
    final ReplayWindow received = new ReplayWindow();
  }

  private final Map<byte[], OfKey> byKey = new WeakHashMap<>(); // arrays: keyed by identity

  synchronized OfKey of(byte[] key) {
    return byKey.computeIfAbsent(key, k -> new OfKey());
  }
}
