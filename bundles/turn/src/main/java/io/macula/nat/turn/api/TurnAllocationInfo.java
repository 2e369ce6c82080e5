package io.macula.nat.turn.api;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * One allocation on this node's TURN server, as an operator sees it: whose, where, and what it
 * relayed each way.
 */
public record TurnAllocationInfo(
    InetSocketAddress client,
    String transport,
    String username,
    InetSocketAddress relayed,
    Instant expires,
    int permissions,
    int channels,
    long packetsToPeers,
    long bytesToPeers,
    long packetsFromPeers,
    long bytesFromPeers) {}
