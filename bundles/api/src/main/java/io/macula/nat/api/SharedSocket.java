package io.macula.nat.api;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's one UDP socket, as protocols beside QUIC use it (STUN, TURN): what they send leaves
 * from the port QUIC uses, so the NAT mapping they see is QUIC's. What they receive reaches them
 * through a whiteboard service of their own, {@link StunHandler} for STUN.
 */
@ProviderType
public interface SharedSocket {
  /** The address the socket is bound to. */
  InetSocketAddress localAddress();

  /** Sends one datagram from the socket; the buffer's remaining bytes are copied. */
  void send(InetSocketAddress to, ByteBuffer datagram);
}
