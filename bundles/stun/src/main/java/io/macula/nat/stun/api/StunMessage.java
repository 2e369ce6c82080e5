package io.macula.nat.stun.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A STUN message, RFC 8489 §5.
 *
 * <pre>
 *  0                   1                   2                   3
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |0 0|     STUN Message Type     |         Message Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Magic Cookie                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Transaction ID (96 bits)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * The attributes are in the order they appear; MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and
 * FINGERPRINT among them as decoded (the encoder computes its own).
 */
public record StunMessage(StunClass messageClass, int method, TransactionId transactionId, List<StunAttribute> attributes) {
  public static final int MAGIC_COOKIE = 0x2112A442;
  public static final int HEADER_LENGTH = 20;
  public static final int BINDING = 0x001;
  /** TURN's methods, RFC 8656 §17. */
  public static final int ALLOCATE = 0x003;
  public static final int REFRESH = 0x004;
  public static final int SEND = 0x006;
  public static final int DATA = 0x007;
  public static final int CREATE_PERMISSION = 0x008;
  public static final int CHANNEL_BIND = 0x009;

  public StunMessage {
    Objects.requireNonNull(messageClass, "messageClass");
    Objects.requireNonNull(transactionId, "transactionId");
    if (method < 0 || method > 0xFFF) {
      throw new IllegalArgumentException("a method has 12 bits, not " + method);
    }
    attributes = List.copyOf(attributes);
  }

  public static StunMessage bindingRequest(StunAttribute... attributes) {
    return new StunMessage(StunClass.REQUEST, BINDING, TransactionId.random(), List.of(attributes));
  }

  /** The first attribute of a type, by its record class. */
  public <A extends StunAttribute> Optional<A> attribute(Class<A> type) {
    return attributes.stream().filter(type::isInstance).map(type::cast).findFirst();
  }

  /** The message type field: the method's 12 bits with the class's two bits among them, §5. */
  int typeField() {
    int c = messageClass.code();
    return (method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2)
        | ((c & 0x1) << 4) | ((c & 0x2) << 7);
  }

  static StunClass classOf(int type) {
    return StunClass.ofCode(((type >> 4) & 0x1) | ((type >> 7) & 0x2));
  }

  static int methodOf(int type) {
    return (type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80);
  }
}
