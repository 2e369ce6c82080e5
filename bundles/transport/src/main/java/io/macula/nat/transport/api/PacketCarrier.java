package io.macula.nat.transport.api;

import io.macula.nat.api.PathKind;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What carries QUIC packets where the endpoint's UDP socket does not: a relay this node holds a
 * place on (its allocation on a TURN server), which takes the peer's packets, still encrypted, and
 * sends them on from the relay's own address; or a stream to the peer itself (QUIC over TCP, where
 * UDP is blocked). What comes back through it reaches QUIC by {@link Endpoint#receive}.
 */
@ConsumerType
public interface PacketCarrier {
  /** Sends one packet to {@code peer} through the relay; the bytes are valid only during the call. */
  void send(InetSocketAddress peer, ByteBuffer packet);

  /** The relay as an operator reads it: its kind, server and transport. */
  String describe();

  /**
   * The kind of the paths through this carrier: {@link PathKind#TURN} for a TURN allocation,
   * {@link PathKind#DIRECT} for a stream straight to the peer.
   */
  PathKind kind();
}
