package io.macula.nat.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The QUIC DATAGRAM frames of a peer connection, each behind a kind byte: the application's, and
 * the connection's own keep-alives (Netty's QUIC sends no empty datagram, and has no PING).
 */
final class PeerDatagram {
  static final byte APPLICATION = 0;
  static final byte KEEP_ALIVE = 1;
  /** The kind byte each datagram carries before its data. */
  static final int OVERHEAD = 1;

  private static final byte[] APPLICATION_KIND = {APPLICATION};
  private static final byte[] KEEP_ALIVE_FRAME = {KEEP_ALIVE};

  private PeerDatagram() {}

  /** The application's data, behind its kind (no copy). */
  static ByteBuf application(byte[] data) {
    return Unpooled.wrappedBuffer(APPLICATION_KIND, data);
  }

  static ByteBuf keepAlive() {
    return Unpooled.wrappedBuffer(KEEP_ALIVE_FRAME);
  }
}
