package io.macula.nat.stun.api;

import io.macula.nat.api.HostPort;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * A STUN server of the node's configuration, written {@code [user:password@]host:port}; the
 * credentials are the long-term ones of RFC 8489 §9.2, used when the server asks for them.
 */
public record StunServerAddress(String host, int port, Optional<String> username, Optional<String> password) {
  public StunServerAddress {
    Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("a STUN server's port is 1-65535, not " + port);
    }
    if (username.isPresent() != password.isPresent()) {
      throw new IllegalArgumentException("a STUN server has a username and a password, or neither");
    }
  }

  public static StunServerAddress of(InetSocketAddress address) {
    return new StunServerAddress(address.getHostString(), address.getPort(), Optional.empty(), Optional.empty());
  }

  /**
   * Parses {@code [user:password@]host:port}; an IPv6 host is bracketed.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static StunServerAddress parse(String text) {
    String s = text.strip();
    Optional<String> user = Optional.empty();
    Optional<String> password = Optional.empty();
    int at = s.lastIndexOf('@');
    if (at >= 0) {
      String credentials = s.substring(0, at);
      int colon = credentials.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("'" + text + "': credentials are user:password");
      }
      user = Optional.of(credentials.substring(0, colon));
      password = Optional.of(credentials.substring(colon + 1));
      s = s.substring(at + 1);
    }
    HostPort hostPort = HostPort.parseRemote(s);
    return new StunServerAddress(hostPort.host(), hostPort.port(), user, password);
  }

  /** Resolves the host now. */
  public InetSocketAddress resolve() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return username.map(u -> u + ":***@").orElse("") + new HostPort(host, port);
  }
}
