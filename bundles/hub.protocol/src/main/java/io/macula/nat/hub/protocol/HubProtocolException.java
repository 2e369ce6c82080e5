package io.macula.nat.hub.protocol;

import java.io.IOException;

/** A hub protocol message that does not parse: where and why. The session that sent it ends. */
public final class HubProtocolException extends IOException {
  private static final long serialVersionUID = 1L;

  public HubProtocolException(String message) {
    super(message);
  }
}
