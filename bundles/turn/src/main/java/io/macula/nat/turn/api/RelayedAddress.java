package io.macula.nat.turn.api;

import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.PacketCarrier;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A transport address this node holds on a TURN server: peers send to it, the server relays what
 * they send to this node, and this node sends to them through it. Only peers permitted here may
 * send (RFC 8656 §9): the server drops everything else.
 *
 * <p>It is the endpoint's carrier of the paths through it ({@link PacketCarrier#kind()} {@code
 * TURN}): one carrier per allocation, whoever uses it (the TURN strategy, the ICE agent's relayed
 * candidate), so that the endpoint sees one path.
 */
@ProviderType
public interface RelayedAddress extends PacketCarrier {
  /** The address peers send to. */
  InetSocketAddress relayed();

  /** The TURN server, as this node reaches it. */
  InetSocketAddress server();

  /** How this node reaches the server: {@code udp} or {@code tcp}. */
  String transport();

  /**
   * When the credentials it was made with expire ({@link java.time.Instant#MAX} for those that do
   * not): the server ends the allocation then.
   */
  java.time.Instant expires();

  /** False once the allocation ended (deleted, or no longer refreshed by the server). */
  boolean isOpen();

  /** Lets these addresses' packets (from any of their ports) reach this node; kept while they are used. */
  CompletableFuture<Void> permit(Collection<InetAddress> peers);

  /**
   * Sends data to a permitted peer through the server: as ChannelData once a channel is bound to
   * the peer (the first send binds one), in a Send indication until then. The bytes are copied.
   */
  @Override
  void send(InetSocketAddress peer, ByteBuffer data);

  /**
   * Hands what peers send here to {@code endpoint} as carried by this address (QUIC, path probes,
   * connectivity checks). The same as {@code receiver((peer, data) -> endpoint.receive(this, peer,
   * data))}: whoever uses the address may call it.
   */
  default void deliverTo(Endpoint endpoint) {
    receiver((peer, data) -> endpoint.receive(this, peer, data));
  }

  /**
   * Where data from peers goes: the peer's address as the server saw it, and the data, valid only
   * during the call. One receiver; a new one replaces the last.
   */
  void receiver(BiConsumer<InetSocketAddress, ByteBuffer> receiver);
}
