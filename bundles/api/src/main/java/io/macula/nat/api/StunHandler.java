package io.macula.nat.api;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: takes the STUN datagrams that reach the node's {@link SharedSocket}, those whose
 * first byte is 0 to 3 (RFC 9443 §3). At most one handler is used; with none, such datagrams are
 * dropped and counted.
 */
@ConsumerType
public interface StunHandler {
  /**
   * A datagram from {@code sender}, valid only during the call. It runs on the socket's I/O thread:
   * it must not block.
   */
  void received(InetSocketAddress sender, ByteBuffer datagram);
}
