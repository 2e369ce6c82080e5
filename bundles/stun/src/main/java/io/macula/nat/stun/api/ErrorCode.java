package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * ERROR-CODE, RFC 8489 §14.8.
 *
 * <pre>
 * +-------------------------------------------+-----+-------------+
 * |           Reserved, should be 0           |Class|   Number    |
 * +-------------------------------------------+-----+-------------+
 * |      Reason Phrase (variable)                                ..
 * </pre>
 */
public record ErrorCode(int code, String reason) implements StunAttribute {
  public static final int TYPE = 0x0009;
  public static final int TRY_ALTERNATE = 300;
  public static final int BAD_REQUEST = 400;
  public static final int UNAUTHENTICATED = 401;
  public static final int UNKNOWN_ATTRIBUTE = 420;
  public static final int STALE_NONCE = 438;
  public static final int ROLE_CONFLICT = 487;
  public static final int SERVER_ERROR = 500;
  /** §14.8: fewer than 128 characters, which a receiver takes up to 763 bytes long. */
  static final int MAX_REASON_BYTES = 763;

  public ErrorCode {
    if (code < 300 || code > 699) {
      throw new IllegalArgumentException("an error code is 300-699, not " + code);
    }
    StunText.check("ERROR-CODE reason", reason, MAX_REASON_BYTES);
  }

  static ErrorCode decode(ByteBuf b, int off, int len, TransactionId tx) {
    if (len < 4 || len > 4 + MAX_REASON_BYTES) {
      throw StunParseException.at("ERROR-CODE", "length " + len);
    }
    int cls = b.getUnsignedByte(off + 2) & 0x07;
    int number = b.getUnsignedByte(off + 3);
    if (cls < 3 || cls > 6 || number > 99) {
      throw StunParseException.at("ERROR-CODE", "class " + cls + " number " + number);
    }
    return new ErrorCode(cls * 100 + number, StunText.decode("ERROR-CODE", b, off + 4, len - 4, MAX_REASON_BYTES));
  }

  @Override
  public int type() {
    return TYPE;
  }

  @Override
  public void encodeValue(ByteBuf out, TransactionId tx) {
    out.writeShort(0);
    out.writeByte(code / 100);
    out.writeByte(code % 100);
    out.writeBytes(reason.getBytes(StandardCharsets.UTF_8));
  }
}
