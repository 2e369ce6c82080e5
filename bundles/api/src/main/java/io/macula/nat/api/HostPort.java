package io.macula.nat.api;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A host and a port as operators write them in configuration and commands: {@code host:port},
 * an IPv6 host in brackets ({@code [2001:db8::1]:7400}).
 */
public record HostPort(String host, int port) {
  public HostPort {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("a host is not empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is outside 0-65535");
    }
  }

  /**
   * Parses {@code host:port}; port 0 is taken (a free port, for a bind).
   *
   * @throws IllegalArgumentException saying what is wrong with {@code text}
   */
  public static HostPort parse(String text) {
    String s = text.strip();
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException("'" + text + "' is not host:port");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' has a bad port");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("'" + text + "' has port " + port + ", outside 0-65535");
    }
    return new HostPort(host, port);
  }

  /** Parses {@code host:port} where the port must be a real one, 1-65535: an address to send to. */
  public static HostPort parseRemote(String text) {
    HostPort h = parse(text);
    if (h.port == 0) {
      throw new IllegalArgumentException("'" + text + "' has port 0: an address to reach needs 1-65535");
    }
    return h;
  }

  /** The socket address, its host resolved now; unresolved if it does not resolve. */
  public InetSocketAddress resolve() {
    return new InetSocketAddress(host, port);
  }

  /**
   * The socket address, its host resolved now.
   *
   * @throws IllegalArgumentException if the host does not resolve
   */
  public InetSocketAddress resolved() {
    InetSocketAddress a = resolve();
    if (a.isUnresolved()) {
      throw new IllegalArgumentException("'" + host + "' does not resolve");
    }
    return a;
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
