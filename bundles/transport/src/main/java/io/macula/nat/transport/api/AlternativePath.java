package io.macula.nat.transport.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A path to a connection's peer other than the one it takes now: one its route left, which it
 * goes on probing for a while. {@code answeredAgo} and {@code roundTrip} are those of its latest
 * answered probe since the route left it; empty while none was.
 */
public record AlternativePath(TransportPath path, Optional<Duration> answeredAgo, Optional<Duration> roundTrip) {
  public AlternativePath {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(answeredAgo, "answeredAgo");
    Objects.requireNonNull(roundTrip, "roundTrip");
  }

  /** Whether it answered a probe within {@code within}: a path the connection may move to now. */
  public boolean answeredWithin(Duration within) {
    return answeredAgo.map(a -> a.compareTo(within) <= 0).orElse(false);
  }
}
