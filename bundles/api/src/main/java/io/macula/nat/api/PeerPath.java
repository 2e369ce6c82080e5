package io.macula.nat.api;

import java.time.Duration;
import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One way of reaching a peer, found by a strategy. Counters are live: they grow while the path
 * carries traffic.
 */
@ConsumerType
public interface PeerPath {
  /** The name of the strategy that found this path. */
  String strategy();

  PathKind kind();

  /** The last measured round-trip time, if one was measured. */
  Optional<Duration> roundTripTime();

  long bytesSent();

  long bytesReceived();

  /** The channel this path carries, when it carries one (paths of the transport do). */
  default Optional<PeerChannel> channel() {
    return Optional.empty();
  }

  /** Releases what the path holds (sockets, relay allocations). Idempotent. */
  default void close() {}
}
