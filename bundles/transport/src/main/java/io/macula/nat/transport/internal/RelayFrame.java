package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import io.netty.buffer.ByteBuf;

/**
 * A QUIC packet on its way through a relay, behind a header that names the other end.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------+-----------------------------------------------+
 * |     type      |   sequence number, its low 24 bits            |
 * +---------------+-----------------------------------------------+
 * |                                                               |
 * |          node id (32 bytes): the destination in TO_RELAY,     |
 * |          the source in FROM_RELAY                             |
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                  QUIC packet, still encrypted ...             |
 * </pre>
 *
 * Between two relays (the hubs of a mesh), a frame names both nodes: the destination where the
 * others name their node, then the source ({@link #BETWEEN_RELAYS}).
 *
 * <p>The type bytes lie in 4..15, which RFC 9443 leaves unassigned: no STUN (0-3), TURN ChannelData
 * (64-79) or QUIC packet (fixed bit 0x40 set) starts with them. A frame ends with a MAC (see {@link
 * RelayMac}) that covers the whole 64-bit sequence number; see {@link ReplayWindow}.
 */
final class RelayFrame {
  static final int TO_RELAY = 0x08;
  static final int FROM_RELAY = 0x09;
  static final int BETWEEN_RELAYS = 0x0A;
  static final int HEADER_LENGTH = 4 + NodeId.LENGTH;
  /** A frame between relays names its source after its destination. */
  static final int BETWEEN_HEADER_LENGTH = HEADER_LENGTH + NodeId.LENGTH;

  private RelayFrame() {}

  static boolean isRelayFrame(int firstByte) {
    return firstByte == TO_RELAY || firstByte == FROM_RELAY || firstByte == BETWEEN_RELAYS;
  }

  /** Writes the header of a frame of {@code type}, number {@code sequence}, naming {@code node}. */
  static void writeHeader(ByteBuf out, int type, long sequence, NodeId node) {
    out.writeByte(type);
    out.writeMedium((int) (sequence & 0xFFFFFF));
    out.writeBytes(node.toBytes());
  }

  /** Writes the header of a frame between relays, number {@code sequence}, from {@code source} to {@code destination}. */
  static void writeBetweenHeader(ByteBuf out, long sequence, NodeId destination, NodeId source) {
    writeHeader(out, BETWEEN_RELAYS, sequence, destination);
    out.writeBytes(source.toBytes());
  }

  /**
   * The source a frame between relays names.
   *
   * @throws IllegalArgumentException when the frame is shorter than such a header; the receive
   *     path checks the length first
   */
  static NodeId source(ByteBuf frame) {
    if (frame.readableBytes() < BETWEEN_HEADER_LENGTH) {
      throw new IllegalArgumentException("relay frame: " + frame.readableBytes()
          + " bytes, shorter than the header of a frame between relays, " + BETWEEN_HEADER_LENGTH);
    }
    byte[] id = new byte[NodeId.LENGTH];
    frame.getBytes(frame.readerIndex() + HEADER_LENGTH, id);
    return NodeId.of(id);
  }

  /** The low 24 bits of a frame's sequence number. */
  static int sequence(ByteBuf frame) {
    return frame.getUnsignedMedium(frame.readerIndex() + 1);
  }

  /**
   * The node a frame (its readable bytes) names.
   *
   * @throws IllegalArgumentException when the frame is shorter than a header; the receive path
   *     checks the length first and drops such a frame without an exception
   */
  static NodeId node(ByteBuf frame) {
    if (frame.readableBytes() < HEADER_LENGTH) {
      throw new IllegalArgumentException(
          "relay frame: " + frame.readableBytes() + " bytes, shorter than a header of " + HEADER_LENGTH);
    }
    byte[] id = new byte[NodeId.LENGTH];
    frame.getBytes(frame.readerIndex() + 4, id);
    return NodeId.of(id);
  }
}
