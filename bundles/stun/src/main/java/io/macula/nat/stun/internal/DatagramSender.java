package io.macula.nat.stun.internal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** Sends one datagram from a socket: the node's endpoint, or a socket of the STUN server's own. */
@FunctionalInterface
interface DatagramSender {
  /** Sends {@code datagram}'s remaining bytes; the caller keeps the buffer. */
  void send(InetSocketAddress to, ByteBuffer datagram);

  /** Sends {@code datagram}'s readable bytes and releases it: no copy where the socket allows. */
  default void sendAndRelease(InetSocketAddress to, io.netty.buffer.ByteBuf datagram) {
    try {
      send(to, datagram.nioBuffer());
    } finally {
      datagram.release();
    }
  }
}
