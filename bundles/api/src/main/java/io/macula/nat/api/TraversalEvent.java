package io.macula.nat.api;

import java.time.Duration;

/** What happens during a connect, attempt by attempt, for other bundles to observe. */
public sealed interface TraversalEvent {
  long connectId();

  NodeId node();

  String strategy();

  /** Time since the attempt started. */
  Duration elapsed();

  record AttemptStarted(long connectId, NodeId node, String strategy, Duration elapsed)
      implements TraversalEvent {}

  record AttemptSucceeded(
      long connectId, NodeId node, String strategy, Duration elapsed, PathKind path)
      implements TraversalEvent {}

  /** The attempt ended without a path; {@code outcome} is never {@code SUCCEEDED}. */
  record AttemptFailed(
      long connectId,
      NodeId node,
      String strategy,
      Duration elapsed,
      AttemptOutcome outcome,
      String reason)
      implements TraversalEvent {}

  /**
   * The attempt's timeout passed: the next strategy starts. The attempt goes on until a path is
   * found or the connect is abandoned, so a late success can still win.
   */
  record AttemptTimedOut(long connectId, NodeId node, String strategy, Duration elapsed)
      implements TraversalEvent {}
}
