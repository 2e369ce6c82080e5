package io.macula.nat.stun.api;

import io.netty.buffer.ByteBuf;

/**
 * One attribute of a STUN message, RFC 8489 §14: a type, and a value padded to four bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 * +-------------------------------+-------------------------------+
 * |             Type              |            Length             |
 * +-------------------------------+-------------------------------+
 * |                         Value (variable)                ....
 * </pre>
 */
public sealed interface StunAttribute
    permits MappedAddress, XorMappedAddress, AlternateServer, ResponseOrigin, OtherAddress,
        Username, Realm, Nonce, Software, MessageIntegrity, MessageIntegritySha256, Fingerprint,
        ErrorCode, UnknownAttributes, ChangeRequest, ResponsePort, Padding, Priority, UseCandidate,
        IceControlled, IceControlling, XorRelayedAddress, XorPeerAddress, Lifetime, RequestedTransport,
        ChannelNumber, Data, DontFragment, RequestedAddressFamily, EvenPort, UnknownAttribute {
  int type();

  /** Writes the value (not the type, length or padding); {@code tx} masks the XOR addresses. */
  void encodeValue(ByteBuf out, TransactionId tx);

  /** Types 0x0000-0x7FFF must be understood, RFC 8489 §14: an unknown one is an error. */
  static boolean comprehensionRequired(int type) {
    return type < 0x8000;
  }
}
