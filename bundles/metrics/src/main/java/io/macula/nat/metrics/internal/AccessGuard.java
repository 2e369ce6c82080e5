package io.macula.nat.metrics.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Pattern;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * Who may read the metrics and the status page: anyone on loopback who names a loopback host; from
 * another address, only a request with the configured token, and nobody while no token is set.
 */
final class AccessGuard {
  /** An IP literal, which parses without asking DNS. */
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

  private AccessGuard() {}

  /** Whether the request may be served; when not, the response says why (401 or 403). */
  static boolean admit(HttpServletRequest request, HttpServletResponse response, String token) throws IOException {
    if (isLoopback(request.getRemoteAddr())) {
      // A page elsewhere may rebind its own name to 127.0.0.1 and have the browser read this one:
      // its Host header then names that page's host, not this one's.
      if (!isLoopbackHost(request.getHeader("Host"))) {
        response.sendError(HttpServletResponse.SC_FORBIDDEN, "served on loopback to loopback names only");
        return false;
      }
      return true;
    }
    if (token == null || token.isEmpty()) {
      response.sendError(HttpServletResponse.SC_FORBIDDEN,
          "served beyond loopback only with .access_token set in io.macula.nat.metrics");
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

  /** Whether a Host header (name or address, with or without a port) names this host's loopback. */
  static boolean isLoopbackHost(String host) {
    if (host == null) {
      return true; // HTTP/1.0: no name to have been rebound
    }
    String name = host.strip();
    if (name.startsWith("[")) {
      int end = name.indexOf(']');
      name = end < 0 ? "" : name.substring(1, end);
    } else if (name.indexOf(':') == name.lastIndexOf(':') && name.indexOf(':') >= 0) {
      name = name.substring(0, name.indexOf(':'));
    }
    return name.equalsIgnoreCase("localhost") || isLoopback(name);
  }

  private static boolean isLoopback(String address) {
    if (address == null || !IP_LITERAL.matcher(address).matches()) {
      return false;
    }
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
