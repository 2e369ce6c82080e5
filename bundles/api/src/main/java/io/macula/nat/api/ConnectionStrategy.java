package io.macula.nat.api;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One way of finding a path to a peer (direct, hole punch, peer relay, hub relay, TURN). Each
 * strategy bundle registers one as an OSGi service; the negotiator composes those present.
 *
 * <p>The priority and timeout given here are defaults: an operator can override both, and disable
 * the strategy, through the configuration of the negotiator.
 */
@ConsumerType
public interface ConnectionStrategy {
  /** A short, stable, lowercase name an operator types: {@code direct}, {@code hubrelay}. */
  String name();

  /** Higher goes first. The roadmap's defaults: direct 100, holepunch 80, hub relay 40. */
  int priority();

  /** How long the negotiator waits for this strategy before it starts the next one. */
  Duration timeout();

  /** Whether this strategy can be tried for the pair at all. Cheap: no network traffic. */
  Applicability appliesTo(NodePair pair);

  /**
   * Starts one attempt and returns at once. The future yields the path, or fails with a {@link
   * StrategyFailure}. The negotiator cancels the future when another strategy wins or the connect
   * is abandoned; the strategy must then stop its work and release what it holds.
   */
  CompletableFuture<PeerPath> attempt(NodePair pair);

  /**
   * The kinds of path this strategy puts connections on. The negotiator's path policy moves a
   * connection to a path only while a strategy that makes its kind is enabled, and falls back to
   * the strategies whose kinds are all relayed. None by default.
   */
  default Set<PathKind> pathKinds() {
    return Set.of();
  }

  /**
   * Whether {@link #move} can put a live connection on a path of this strategy's: the path policy
   * asks no other strategy. False by default.
   */
  default boolean movesConnections() {
    return false;
  }

  /**
   * Moves a live connection with the pair's remote node onto a path this strategy finds, beneath
   * the connection: no reconnect, and the application sees nothing but another path. The path
   * policy calls it to upgrade a connection that runs over a relay, and to give a relay to one
   * whose path stopped answering. The future yields the kind of the path the connection is on once
   * moved, or fails with a {@link StrategyFailure}; when it completes otherwise (a timeout, a
   * cancel) the strategy stops its work. {@code reason} starts the reason the move is recorded with.
   */
  default CompletableFuture<PathKind> move(NodePair pair, PeerChannel connection, String reason) {
    return CompletableFuture.failedFuture(StrategyFailure.notApplicable(name() + " moves no live connection"));
  }

  /**
   * A strategy's timeout as its configuration gives it, in milliseconds under the key {@code
   * timeout_ms}, checked.
   *
   * @throws IllegalArgumentException naming the PID and the key, for less than 1 ms
   */
  static Duration configuredTimeout(String pid, long millis) {
    if (millis < 1) {
      throw new IllegalArgumentException(pid + ": key 'timeout_ms' must be at least 1, not " + millis);
    }
    return Duration.ofMillis(millis);
  }
}
