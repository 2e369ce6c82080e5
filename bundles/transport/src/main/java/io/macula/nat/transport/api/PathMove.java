package io.macula.nat.transport.api;

import io.macula.nat.api.PathKind;
import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * One move of a peer's route to another path, and why: a connect over another path, an upgrade
 * off a relay, a fallback from a path that stopped passing traffic, an operator's choice.
 *
 * @param via where the new path's packets go next (the peer, or its relay)
 */
public record PathMove(Instant at, PathKind from, PathKind to, InetSocketAddress via, String reason) {}
