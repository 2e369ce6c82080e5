package io.macula.nat.ice.api;

import io.macula.nat.api.NodeId;
import io.macula.nat.transport.api.PacketCarrier;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The pair an ICE session selected: the peer's candidate that answered checks from this node's
 * socket, or from its relayed address, and that both agents agreed on (nomination, RFC 8445 §8).
 *
 * @param checksSent connectivity checks this agent sent, retransmissions included
 * @param through the carrier of this node's relayed candidate when the pair's local candidate is
 *     that one (packets to the peer go through the TURN server); empty when they go from the socket
 */
public record IceResult(
    NodeId peer,
    Candidate local,
    Candidate remote,
    boolean controlling,
    int pairs,
    long checksSent,
    Duration elapsed,
    Optional<PacketCarrier> through) {

  public IceResult {
    Objects.requireNonNull(through, "through");
  }

  /** A pair of candidates with the socket as base: nothing goes through a relay of this node's. */
  public IceResult(NodeId peer, Candidate local, Candidate remote, boolean controlling, int pairs, long checksSent,
      Duration elapsed) {
    this(peer, local, remote, controlling, pairs, checksSent, elapsed, Optional.empty());
  }

  /** Whether either candidate is a relayed one: the path goes through a TURN server. */
  public boolean relayed() {
    return local.type() == CandidateType.RELAYED || remote.type() == CandidateType.RELAYED;
  }
}
