package io.macula.nat.api;

import java.time.Duration;

/**
 * A strategy as the negotiator sees it now: effective settings (defaults with the operator's
 * overrides applied), and its counters since the node started.
 *
 * @param bundle the symbolic name of the bundle that registered it
 */
public record StrategyStatus(
    String name,
    int priority,
    Duration timeout,
    boolean enabled,
    long attempts,
    long successes,
    String bundle) {}
