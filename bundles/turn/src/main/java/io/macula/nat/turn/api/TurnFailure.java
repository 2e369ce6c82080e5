package io.macula.nat.turn.api;

/** Why no relayed address could be had: its message names the server and the cause. */
public final class TurnFailure extends Exception {
  private static final long serialVersionUID = 1L;

  public TurnFailure(String message) {
    super(message);
  }

  public TurnFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
