package io.macula.nat.stun.api;

import java.net.InetSocketAddress;
import java.util.Optional;

/** A STUN transaction that failed: no answer in time, or an error the client could not recover from. */
public final class StunTransactionException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why the transaction failed. */
  public enum Reason {
    TIMED_OUT,
    ERROR_RESPONSE,
    BAD_RESPONSE,
    SEND_FAILED
  }

  private final transient InetSocketAddress server;
  private final Reason reason;
  private final transient Optional<ErrorCode> error;

  public StunTransactionException(InetSocketAddress server, Reason reason, Optional<ErrorCode> error, String message) {
    super(server + ": " + message);
    this.server = server;
    this.reason = reason;
    this.error = error;
  }

  public InetSocketAddress server() {
    return server;
  }

  public Reason reason() {
    return reason;
  }

  /** The ERROR-CODE of the server's answer, for {@link Reason#ERROR_RESPONSE}. */
  public Optional<ErrorCode> error() {
    return error;
  }
}
