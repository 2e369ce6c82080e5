package io.macula.nat.transport.api;

import io.macula.nat.api.PathKind;
import java.util.Objects;

/**
 * How many times peer connections moved from a path of one kind to another path (of another kind,
 * or of the same: a renewed TURN allocation), for one cause, since the endpoint started.
 *
 * @param cause why, in one word: {@code upgrade}, {@code fallback}, {@code peer} (the peer moved
 *     it), {@code connect} (a new connect over another path), {@code operator}, {@code renewal} (a
 *     TURN allocation, this node's or the peer's, was renewed), or {@code other}
 */
public record PathMoveCount(PathKind from, PathKind to, String cause, long count) {
  public PathMoveCount {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(cause, "cause");
  }
}
