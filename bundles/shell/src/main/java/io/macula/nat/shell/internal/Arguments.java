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

  static NodeId node(String text) {
    try {
      return NodeId.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a node id: " + e.getMessage());
    }
  }
}
