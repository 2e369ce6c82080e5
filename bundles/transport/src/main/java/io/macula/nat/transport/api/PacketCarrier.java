package io.macula.nat.transport.api;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A relay this node holds a place on (its allocation on a TURN server): it takes the peer's QUIC
 * packets, still encrypted, and wraps them for the relay, which sends them on to the peer from the
 * relay's own address. What comes back through it the carrier hands to {@link
 * Endpoint#receive}.
 */
@ConsumerType
public interface PacketCarrier {
  /** Sends one packet to {@code peer} through the relay; the bytes are valid only during the call. */
  void send(InetSocketAddress peer, ByteBuffer packet);

  /** The relay as an operator reads it: its kind, server and transport. */
  String describe();
}
