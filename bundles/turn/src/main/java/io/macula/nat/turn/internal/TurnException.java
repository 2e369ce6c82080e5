package io.macula.nat.turn.internal;

/** A TURN server refused a request: its error code and reason, RFC 8656 §19 / RFC 8489 §14.8. */
final class TurnException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int code;

  TurnException(int code, String message) {
    super(message);
    this.code = code;
  }

  /** The server's error code, e.g. 401 (credentials refused), 437 (no such allocation); 0 when none came. */
  int code() {
    return code;
  }
}
