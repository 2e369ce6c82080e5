package io.macula.nat.transport.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/** Datagrams (and connections, not admitted) the endpoint dropped, by reason, for operators to see. */
final class DropCounters {
  static final String EMPTY = "empty";
  static final String TRUNCATED = "truncated";
  static final String UNKNOWN_KIND = "unknown-kind";
  static final String BAD_VERSION = "bad-version";
  static final String UNKNOWN_SENDER = "unknown-sender";
  static final String UNTRUSTED_RELAY = "untrusted-relay";
  static final String BAD_RELAY_MAC = "bad-relay-mac";
  static final String REPLAYED_RELAY_FRAME = "replayed-relay-frame";
  static final String NO_RELAY = "no-relay";
  static final String CARRIED_NOT_QUIC = "carried-not-quic";
  static final String CARRIED_UNKNOWN_SENDER = "carried-unknown-sender";
  static final String CARRIED_STUN = "carried-stun-unhandled";
  static final String STREAM_FULL = "stream-full";
  static final String STREAM_ERROR = "stream-error";
  static final String STREAMS_AT_LIMIT = "streams-at-limit";
  static final String STUN = "stun-unhandled";
  static final String NO_ROUTE = "no-route";
  static final String CONNECTION_ERROR = "connection-error";
  static final String SOCKET_ERROR = "socket-error";
  static final String NOT_ADMITTED = "not-admitted";
  /** A packet QUIC sent on a path that lost the peer's consent (RFC 7675): not sent. */
  static final String NO_CONSENT = "no-consent";
  /** A path probe, or an answer, from a route's address without the pair's consent key: not the peer's. */
  static final String PROBE_UNAUTHENTICATED = "probe-unauthenticated";
  /** A QUIC DATAGRAM frame of no kind a peer connection knows: its peer runs something else. */
  static final String UNKNOWN_DATAGRAM = "unknown-datagram";
  static final String STREAM_NOT_ADMITTED = "stream-not-admitted";

  private static final long ERROR_LOG_INTERVAL_NANOS = 10_000_000_000L;

  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();
  private volatile Consumer<String> debug = line -> { };

  void drop(String reason) {
    counts.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  /**
   * Counts an error a codec raised, and says what it was at debug level, at most once every 10 s
   * per reason: enough to see what garbage arrives, never a line per packet.
   */
  void error(String reason, Throwable cause) {
    drop(reason);
    long now = System.nanoTime();
    Long last = lastLogged.get(reason);
    if ((last == null || now - last >= ERROR_LOG_INTERVAL_NANOS)
        && (last == null ? lastLogged.putIfAbsent(reason, now) == null : lastLogged.replace(reason, last, now))) {
      debug.accept(reason + ": " + cause + " (" + counts.get(reason).sum() + " so far)");
    }
  }

  void logErrorsTo(Consumer<String> debug) {
    this.debug = debug;
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
