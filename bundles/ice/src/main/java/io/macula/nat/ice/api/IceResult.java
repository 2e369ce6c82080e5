package io.macula.nat.ice.api;

import io.macula.nat.api.NodeId;
import java.time.Duration;

/**
 * The pair an ICE session selected: the peer's candidate that answered checks from this node's
 * socket, and that both agents agreed on (nomination, RFC 8445 §8).
 *
 * @param checksSent connectivity checks this agent sent, retransmissions included
 */
public record IceResult(
    NodeId peer,
    Candidate local,
    Candidate remote,
    boolean controlling,
    int pairs,
    long checksSent,
    Duration elapsed) {}
