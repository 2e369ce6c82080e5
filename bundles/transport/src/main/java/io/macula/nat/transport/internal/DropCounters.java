package io.macula.nat.transport.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Datagrams the endpoint dropped, by reason, for operators to see. */
final class DropCounters {
  static final String EMPTY = "empty";
  static final String TRUNCATED = "truncated";
  static final String UNKNOWN_KIND = "unknown-kind";
  static final String BAD_VERSION = "bad-version";
  static final String UNKNOWN_SENDER = "unknown-sender";
  static final String UNTRUSTED_RELAY = "untrusted-relay";
  static final String BAD_RELAY_MAC = "bad-relay-mac";
  static final String NO_RELAY = "no-relay";
  static final String STUN = "stun-unhandled";
  static final String NO_ROUTE = "no-route";
  static final String CONNECTION_ERROR = "connection-error";
  static final String SOCKET_ERROR = "socket-error";

  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  void drop(String reason) {
    counts.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  long total() {
    return counts.values().stream().mapToLong(LongAdder::sum).sum();
  }

  Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
