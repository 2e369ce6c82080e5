package io.macula.nat.metrics.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * Who may read the metrics and the status page: anyone on loopback; from another address, only a
 * request with the configured token, and nobody while no token is configured.
 */
final class AccessGuard {
  private AccessGuard() {}

  /** Whether the request may be served; when not, the response says why (401 or 403). */
  static boolean admit(HttpServletRequest request, HttpServletResponse response, String token) throws IOException {
    if (InetAddress.getByName(request.getRemoteAddr()).isLoopbackAddress()) {
      return true;
    }
    if (token == null || token.isEmpty()) {
      response.sendError(HttpServletResponse.SC_FORBIDDEN,
          "served beyond loopback only with access_token set in io.macula.nat.metrics");
      return false;
    }
    String given = request.getHeader("Authorization");
    byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected)) {
      response.setHeader("WWW-Authenticate", "Bearer realm=\"macula\"");
      response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
      return false;
    }
    return true;
  }
}
