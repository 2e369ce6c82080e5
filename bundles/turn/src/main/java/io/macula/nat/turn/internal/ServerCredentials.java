package io.macula.nat.turn.internal;

import io.macula.nat.stun.api.StunCodec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a TURN server checks a request's long-term credentials with, RFC 8489 §9.2: its realm, its
 * users' passwords, the REST API's shared secret, and nonces that it can check without keeping any
 * state for the clients that asked for them (each is its expiry and a MAC of it under a key that
 * never leaves the server).
 */
final class ServerCredentials {
  static final java.time.Duration NONCE_LIFETIME = java.time.Duration.ofMinutes(10);

  private final String realm;
  private final long nonceSeconds;
  private final Map<String, String> users;
  private final Optional<byte[]> restSecret;
  private final Clock clock;
  private final byte[] nonceKey = new byte[32];

  ServerCredentials(String realm, Map<String, String> users, Optional<byte[]> restSecret, Clock clock,
      java.time.Duration nonceLifetime) {
    this.nonceSeconds = nonceLifetime.toSeconds();
    this.realm = realm;
    this.users = Map.copyOf(users);
    this.restSecret = restSecret;
    this.clock = clock;
    new SecureRandom().nextBytes(nonceKey);
  }

  String realm() {
    return realm;
  }

  /** A new nonce, good for the nonce lifetime (by default {@link #NONCE_LIFETIME}). */
  String nonce() {
    String expiry = Long.toHexString(clock.instant().getEpochSecond() + nonceSeconds);
    return expiry + "-" + mac(expiry);
  }

  /** Whether a nonce is one of this server's, and not yet expired. */
  boolean fresh(String nonce) {
    int dash = nonce.indexOf('-');
    if (dash <= 0) {
      return false;
    }
    String expiry = nonce.substring(0, dash);
    if (!MessageDigest.isEqual(mac(expiry).getBytes(StandardCharsets.US_ASCII),
        nonce.substring(dash + 1).getBytes(StandardCharsets.US_ASCII))) {
      return false;
    }
    try {
      return Long.parseLong(expiry, 16) > clock.instant().getEpochSecond();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * The long-term key of a user: a configured one, or a REST username ({@code expiry:user}) not yet
   * expired; empty for anyone else.
   */
  Optional<byte[]> key(String username) {
    String password = users.get(username);
    if (password == null && restSecret.isPresent()) {
      int colon = username.indexOf(':');
      try {
        if (colon > 0 && Long.parseLong(username.substring(0, colon)) > clock.instant().getEpochSecond()) {
          password = Base64.getEncoder().encodeToString(hmacSha1(restSecret.get(), username));
        }
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    return password == null ? Optional.empty() : Optional.of(StunCodec.longTermKey(username, realm, password));
  }

  /** The user a username names: a REST username's ({@code expiry:user}) part after the colon. */
  static String user(String username) {
    int colon = username.indexOf(':');
    return colon > 0 && username.substring(0, colon).chars().allMatch(Character::isDigit)
        ? username.substring(colon + 1) : username;
  }

  /** Until when a user's credentials hold: a REST username's expiry, a configured user's never. */
  java.time.Instant validUntil(String username) {
    if (users.containsKey(username)) {
      return java.time.Instant.MAX;
    }
    return java.time.Instant.ofEpochSecond(Long.parseLong(username.substring(0, username.indexOf(':'))));
  }

  private String mac(String text) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(nonceKey, "HmacSHA256"));
      return HexFormat.of().formatHex(m.doFinal(text.getBytes(StandardCharsets.US_ASCII)), 0, 12);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has HmacSHA256", e);
    }
  }

  private static byte[] hmacSha1(byte[] key, String text) {
    try {
      Mac m = Mac.getInstance("HmacSHA1");
      m.init(new SecretKeySpec(key, "HmacSHA1"));
      return m.doFinal(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has HmacSHA1", e);
    }
  }
}
