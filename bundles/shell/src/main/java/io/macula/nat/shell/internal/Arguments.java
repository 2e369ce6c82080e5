package io.macula.nat.shell.internal;

import io.macula.nat.api.NodeId;

/** Parses what an operator typed, with a one-line error that says what was wrong. */
final class Arguments {
  private Arguments() {}

  static int integer(String what, String text) {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " must be an integer, not '" + text + "'");
    }
  }

  static long positiveMillis(String what, String text) {
    long ms;
    try {
      ms = Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " must be a number of milliseconds, not '" + text + "'");
    }
    if (ms < 1) {
      throw new IllegalArgumentException(what + " must be at least 1 ms, not " + ms);
    }
    return ms;
  }

  static java.net.InetSocketAddress address(String what, String text) {
    int colon = text.lastIndexOf(':');
    if (colon < 1) {
      throw new IllegalArgumentException(what + " must be host:port, not '" + text + "'");
    }
    int port = integer("the port of " + what, text.substring(colon + 1));
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("the port of " + what + " must be 1-65535, not " + port);
    }
    return new java.net.InetSocketAddress(text.substring(0, colon).replace("[", "").replace("]", ""), port);
  }

  static NodeId node(String text) {
    try {
      return NodeId.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a node id: " + e.getMessage());
    }
  }
}
