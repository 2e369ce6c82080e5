package io.macula.nat.stun.internal;

import io.macula.nat.stun.api.StunStatistics;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** What the node's STUN traffic counts, for operators: transactions, answers, drops by reason. */
final class StunCounters {
  static final String NOT_STUN = "not-stun";
  static final String MALFORMED = "malformed";
  static final String BAD_FINGERPRINT = "bad-fingerprint";
  static final String UNMATCHED_RESPONSE = "unmatched-response";
  static final String BAD_INTEGRITY = "bad-integrity";
  static final String REQUEST_NOT_SERVED = "request-not-served";
  static final String INDICATION = "indication";
  static final String RATE_LIMITED = "rate-limited";

  final LongAdder transactions = new LongAdder();
  final LongAdder retransmissions = new LongAdder();
  final LongAdder responses = new LongAdder();
  final LongAdder timeouts = new LongAdder();
  final LongAdder answered = new LongAdder();
  private final Map<String, LongAdder> drops = new ConcurrentHashMap<>();

  void drop(String reason) {
    drops.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  StunStatistics snapshot() {
    Map<String, Long> d = new TreeMap<>();
    drops.forEach((k, v) -> d.put(k, v.sum()));
    return new StunStatistics(
        transactions.sum(), retransmissions.sum(), responses.sum(), timeouts.sum(), answered.sum(), d);
  }
}
