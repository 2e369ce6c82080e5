package io.macula.nat.ice.api;

/** An ICE session that ended without a selected pair, and why. */
public final class IceFailedException extends Exception {
  private static final long serialVersionUID = 1L;

  public IceFailedException(String message) {
    super(message);
  }
}
