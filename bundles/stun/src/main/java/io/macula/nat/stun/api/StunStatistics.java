package io.macula.nat.stun.api;

import java.util.Map;

/**
 * A node's STUN traffic since start: its client transactions, the requests it answered as a
 * server, and the datagrams it dropped, by reason.
 */
public record StunStatistics(
    long transactions,
    long retransmissions,
    long responses,
    long timeouts,
    long requestsAnswered,
    Map<String, Long> drops) {
  public StunStatistics {
    drops = Map.copyOf(drops);
  }
}
