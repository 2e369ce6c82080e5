package io.macula.nat.stun.api;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * STUN client transactions on the node's shared socket, RFC 8489 §6.2: what a server sees is the
 * mapping the node's QUIC uses too.
 */
@ProviderType
public interface StunClient {
  /** The STUN servers of the node's configuration, in the order they are tried. */
  List<StunServerAddress> servers();

  /**
   * A Binding transaction with one server, with the long-term credentials of {@code server} if the
   * server asks for them (401). Fails with a {@link StunTransactionException}.
   */
  CompletableFuture<BindingResult> binding(StunServerAddress server);

  /** A Binding transaction with each configured server in turn, until one answers. */
  CompletableFuture<BindingResult> binding();

  /**
   * One request and its response, retransmitted on the given schedule. An error response
   * completes the future too: the caller reads its ERROR-CODE. Fails with a {@link
   * StunTransactionException} when no response came.
   *
   * @param integrityKey adds MESSAGE-INTEGRITY with this key, and requires it of the response; or
   *     null
   */
  CompletableFuture<StunMessage> transact(
      InetSocketAddress server, StunMessage request, byte[] integrityKey, RetransmissionSchedule schedule);

  /**
   * One request and its response, as {@link #transact(InetSocketAddress, StunMessage, byte[],
   * RetransmissionSchedule)} but sent (and sent again) through {@code via}, not from the socket: a
   * connectivity check from this node's relayed address, through its TURN server. The response
   * comes back the same way, and whoever receives it hands it to {@link #responseArrived}.
   */
  CompletableFuture<StunMessage> transact(InetSocketAddress to, StunMessage request, byte[] integrityKey,
      RetransmissionSchedule schedule, BiConsumer<InetSocketAddress, ByteBuffer> via);

  /**
   * A STUN response that reached this node other than at its socket (through a relay): completes
   * the transaction it answers. Returns false when none waits for it, or its integrity does not
   * hold; {@code raw} is valid only during the call.
   */
  boolean responseArrived(ByteBuffer raw);

  /**
   * Sends one message outside any transaction, from the shared socket: a response to a request a
   * {@link StunRequestHandler} took, or an indication. With a key, MESSAGE-INTEGRITY is added;
   * FINGERPRINT always is.
   */
  void send(InetSocketAddress to, StunMessage message, byte[] integrityKey);

  /** Hands the requests that reach the shared socket to {@code handler} too, until the returned registration is closed. */
  AutoCloseable handleRequests(StunRequestHandler handler);

  /** What the client and this node's STUN traffic have counted since start. */
  StunStatistics statistics();
}
