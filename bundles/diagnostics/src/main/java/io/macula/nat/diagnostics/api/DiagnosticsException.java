package io.macula.nat.diagnostics.api;

/** A diagnostic that could not run or whose result is wrong, with the reason for an operator. */
public class DiagnosticsException extends Exception {
  private static final long serialVersionUID = 1L;

  public DiagnosticsException(String message) {
    super(message);
  }

  public DiagnosticsException(String message, Throwable cause) {
    super(message, cause);
  }
}
