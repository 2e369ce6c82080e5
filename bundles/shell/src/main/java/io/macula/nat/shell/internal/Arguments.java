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

  static int integer(String what, String text, int min, int max) {
    int n = integer(what, text);
    if (n < min || n > max) {
      throw new IllegalArgumentException(what + " must be " + min + " to " + max + ", not " + n);
    }
    return n;
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
    try {
      return io.macula.nat.api.HostPort.parseRemote(text).resolved();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage());
    }
  }

  static NodeId node(String text) {
    try {
      return NodeId.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a node id: " + e.getMessage());
    }
  }
}
