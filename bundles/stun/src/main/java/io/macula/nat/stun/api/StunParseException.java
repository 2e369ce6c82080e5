package io.macula.nat.stun.api;

import io.netty.handler.codec.DecoderException;

/** A STUN message that does not parse: which part, and why, e.g. "XOR-MAPPED-ADDRESS: family 0x07". */
public final class StunParseException extends DecoderException {
  private static final long serialVersionUID = 1L;

  private StunParseException(String message) {
    super(message);
  }

  public static StunParseException at(String where, String why) {
    return new StunParseException(where + ": " + why);
  }
}
