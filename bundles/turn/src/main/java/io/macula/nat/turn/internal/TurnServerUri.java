package io.macula.nat.turn.internal;

import io.macula.nat.api.HostPort;
import java.util.List;
import java.util.Locale;

/**
 * A TURN server as configured, RFC 7065: {@code turn:host[:port][?transport=udp|tcp]}, {@code
 * turns:host[:port]} (TLS over TCP), or plain {@code host:port}. Without a transport the client
 * tries UDP, then TCP (UDP is what most networks let through; TCP is what the rest still do).
 */
record TurnServerUri(String text, HostPort hostPort, List<String> transports) {
  static final int DEFAULT_PORT = 3478;
  static final int DEFAULT_TLS_PORT = 5349;

  /**
   * Parses one configured server.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static TurnServerUri parse(String text) {
    String s = text.strip();
    String lower = s.toLowerCase(Locale.ROOT);
    List<String> transports = List.of("udp", "tcp");
    boolean tls = lower.startsWith("turns:");
    if (lower.startsWith("turn:") || tls) {
      s = s.substring(tls ? "turns:".length() : "turn:".length());
      int query = s.indexOf('?');
      if (query >= 0) {
        String parameter = s.substring(query + 1).toLowerCase(Locale.ROOT);
        s = s.substring(0, query);
        transports = switch (tls ? "tls " + parameter : parameter) {
          case "transport=udp" -> List.of("udp");
          case "transport=tcp", "tls transport=tcp" -> List.of("tcp");
          default -> throw new IllegalArgumentException("'" + text + "': the only parameter is transport=udp or"
              + " transport=tcp (turns: is TCP only), not '" + parameter + "'");
        };
      }
      if (tls) {
        transports = List.of("tls");
      }
      if (!s.contains(":") || (s.startsWith("[") && s.endsWith("]"))) {
        s = s + ":" + (tls ? DEFAULT_TLS_PORT : DEFAULT_PORT);
      }
    } else if (lower.contains("://") || lower.contains("?")) {
      throw new IllegalArgumentException("'" + text + "': a TURN server is turn:host[:port][?transport=udp|tcp]"
          + " or host:port");
    }
    return new TurnServerUri(text.strip(), HostPort.parseRemote(s), transports);
  }

  @Override
  public String toString() {
    return text;
  }
}
