package io.macula.nat.turn.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A TURN server a node may use, with credentials for it: {@code uri} as RFC 7065 writes it
 * ({@code turn:host:port}), valid until {@code expires} (time-limited credentials), or for ever
 * ({@link Instant#MAX}).
 */
public record TurnServerOffer(String uri, String username, String password, Instant expires) {
  public TurnServerOffer {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(expires, "expires");
  }

  @Override
  public String toString() {
    return "TurnServerOffer[" + uri + ", " + username + ", until " + expires + "]"; // never the password
  }
}
