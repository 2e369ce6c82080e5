package io.macula.nat.turn.api;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/** The node's TURN client: its relayed address on the first configured TURN server that gives one. */
@ProviderType
public interface TurnRelay {
  /** The TURN servers configured, as an operator wrote them, in the order they are tried. */
  List<String> servers();

  /**
   * This node's relayed address: the one it holds, or one allocated now (over UDP from the node's
   * socket, or over TCP where the server's URI says so or UDP gets no answer). It is kept, and
   * refreshed, until the server stops answering; then the next call allocates anew.
   *
   * <p>The future fails with a {@link TurnFailure} that says why: no server configured, the
   * credentials refused, no answer.
   */
  CompletableFuture<RelayedAddress> relayedAddress();

  /**
   * Tells {@code listener}, as {@code (old, renewed)}, each time the relayed address held is
   * renewed: time-limited credentials run out (and a server ends the allocation with them), so a
   * while before they do the client allocates anew with fresh ones. The old address stays open
   * until shortly before its credentials expire, for what uses it to move to the new one. Closing
   * the handle stops the listener.
   */
  AutoCloseable onRenewal(java.util.function.BiConsumer<RelayedAddress, RelayedAddress> listener);

  /** The relayed address held now, if one is: nothing is allocated to answer. */
  java.util.Optional<RelayedAddress> current();
}
