package io.macula.nat.transport.internal;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 engines, one a thread, keyed per use. Looking an engine up for each packet (the
 * provider list, a service lookup, a new SHA-256 state) was a third of what a hub's event loop
 * allocated while it probed its nodes' paths, and each young collection stalls every session.
 */
final class HmacSha256 {
  private static final ThreadLocal<Mac> ENGINES = ThreadLocal.withInitial(() -> {
    try {
      return Mac.getInstance("HmacSHA256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has HmacSHA256", e);
    }
  });

  private HmacSha256() {}

  /** This thread's engine under {@code key}, reset; use it before this thread asks for another. */
  static Mac keyed(byte[] key) {
    Mac m = ENGINES.get();
    try {
      m.init(new SecretKeySpec(key, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("an HMAC key of " + key.length + " bytes", e);
    }
    return m;
  }
}
