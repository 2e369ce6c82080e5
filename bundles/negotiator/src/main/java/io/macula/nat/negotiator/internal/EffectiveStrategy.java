package io.macula.nat.negotiator.internal;

import io.macula.nat.api.ConnectionStrategy;
import java.time.Duration;

/** A strategy with the operator's overrides applied, as one connect will use it. */
record EffectiveStrategy(
    ConnectionStrategy strategy,
    String name,
    int priority,
    Duration timeout,
    boolean enabled,
    String bundle) {}
