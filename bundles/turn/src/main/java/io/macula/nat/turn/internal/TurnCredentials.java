package io.macula.nat.turn.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A TURN server's long-term credentials (RFC 8489 §9.2): configured, or made from a shared secret,
 * valid until {@code expires} ({@link Instant#MAX} for configured ones). A server lets an allocation
 * live no longer than the credentials it was made with.
 */
record TurnCredentials(String username, String password, Instant expires) {
  TurnCredentials {
    if (username.isEmpty()) {
      throw new IllegalArgumentException("a TURN username may not be empty");
    }
  }

  /** Credentials that do not expire. */
  TurnCredentials(String username, String password) {
    this(username, password, Instant.MAX);
  }

  /**
   * Time-limited credentials of the TURN REST API form coturn takes with {@code use-auth-secret}:
   * the username is {@code expiry:user} (expiry in Unix seconds), the password the base64 of the
   * HMAC-SHA1 of the username under the server's shared secret. Anyone who knows the secret can
   * make them; nobody else can, and they stop working at the expiry.
   */
  static TurnCredentials rest(String user, byte[] secret, Duration lifetime, Clock clock) {
    Instant expires = Instant.ofEpochSecond(clock.instant().plus(lifetime).getEpochSecond());
    String username = expires.getEpochSecond() + ":" + user;
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(secret, "HmacSHA1"));
      byte[] digest = mac.doFinal(username.getBytes(StandardCharsets.UTF_8));
      return new TurnCredentials(username, Base64.getEncoder().encodeToString(digest), expires);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has HmacSHA1", e);
    }
  }

  @Override
  public String toString() {
    return "TurnCredentials[" + username + "]"; // never the password
  }
}
