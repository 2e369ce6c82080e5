package io.macula.nat.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The record of one strategy's attempt within one connect.
 *
 * @param connectId the connect this attempt belonged to; attempts of one connect share it
 * @param node the node connected to
 * @param strategy the strategy's name
 * @param priority the effective priority the attempt ran with
 * @param timeout the effective timeout the attempt ran with
 * @param started when the attempt started (or was found not applicable)
 * @param duration how long it ran until its outcome
 * @param outcome how it ended
 * @param reason why it failed; empty on success
 * @param path the kind of path it found, on success
 */
public record AttemptRecord(
    long connectId,
    NodeId node,
    String strategy,
    int priority,
    Duration timeout,
    Instant started,
    Duration duration,
    AttemptOutcome outcome,
    String reason,
    Optional<PathKind> path) {

  public AttemptRecord {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(started, "started");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(path, "path");
  }
}
