package io.macula.nat.stun.internal;

import io.macula.nat.stun.api.AlternateServer;
import io.macula.nat.stun.api.BindingResult;
import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.Nonce;
import io.macula.nat.stun.api.Realm;
import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.Software;
import io.macula.nat.stun.api.StunAttribute;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunParseException;
import io.macula.nat.stun.api.StunServerAddress;
import io.macula.nat.stun.api.StunTransactionException;
import io.macula.nat.stun.api.Username;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Binding transactions: anonymous first; when the server answers 401, again with the long-term
 * credentials of RFC 8489 §9.2 (USERNAME, REALM, NONCE, MESSAGE-INTEGRITY), and once more with a
 * fresh nonce when the server says it went stale (438).
 */
final class BindingClient {
  static final String SOFTWARE = "Macula NAT";

  private final ClientTransactions transactions;
  private final RetransmissionSchedule schedule;

  BindingClient(ClientTransactions transactions, RetransmissionSchedule schedule) {
    this.transactions = transactions;
    this.schedule = schedule;
  }

  CompletableFuture<BindingResult> binding(StunServerAddress server) {
    InetSocketAddress address;
    try {
      address = server.resolve();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (address.isUnresolved()) {
      return CompletableFuture.failedFuture(new StunTransactionException(
          address, StunTransactionException.Reason.SEND_FAILED, Optional.empty(), "cannot resolve " + server.host()));
    }
    return binding(server, address, true);
  }

  private CompletableFuture<BindingResult> binding(StunServerAddress server, InetSocketAddress address,
      boolean mayRedirect) {
    long start = System.nanoTime();
    return transactions.start(address, StunMessage.bindingRequest(new Software(SOFTWARE)), null, schedule)
        .thenCompose(r -> r.messageClass() == StunClass.ERROR_RESPONSE && isCode(r, ErrorCode.UNAUTHENTICATED)
            ? authenticated(server, address, r, 1)
            : CompletableFuture.completedFuture(r))
        .thenCompose(r -> {
          Optional<AlternateServer> alternate = r.attribute(AlternateServer.class);
          if (mayRedirect && isCode(r, ErrorCode.TRY_ALTERNATE) && alternate.isPresent()) {
            // RFC 8489 §10: once, to the server it names, with the same credentials.
            InetSocketAddress to = alternate.get().address();
            return binding(new StunServerAddress(to.getAddress().getHostAddress(), to.getPort(),
                server.username(), server.password()), to, false);
          }
          return CompletableFuture.completedFuture(result(address, r, start));
        });
  }

  private CompletableFuture<StunMessage> authenticated(
      StunServerAddress server, InetSocketAddress address, StunMessage challenge, int retries) {
    if (server.username().isEmpty()) {
      return CompletableFuture.failedFuture(failure(address, challenge, "the server asks for credentials and has none configured"));
    }
    Optional<Realm> realm = challenge.attribute(Realm.class);
    Optional<Nonce> nonce = challenge.attribute(Nonce.class);
    if (realm.isEmpty() || nonce.isEmpty()) {
      return CompletableFuture.failedFuture(new StunTransactionException(address,
          StunTransactionException.Reason.BAD_RESPONSE, Optional.empty(), "401 without REALM and NONCE"));
    }
    String user = server.username().get();
    byte[] key = StunCodec.longTermKey(user, realm.get().value(), server.password().get());
    List<StunAttribute> attributes = new ArrayList<>();
    attributes.add(new Software(SOFTWARE));
    attributes.add(new Username(user));
    attributes.add(realm.get());
    attributes.add(nonce.get());
    StunMessage request = new StunMessage(StunClass.REQUEST, StunMessage.BINDING,
        io.macula.nat.stun.api.TransactionId.random(), attributes);
    return transactions.start(address, request, key, schedule).thenCompose(r -> {
      if (r.messageClass() == StunClass.ERROR_RESPONSE && isCode(r, ErrorCode.STALE_NONCE) && retries > 0) {
        return authenticated(server, address, r, retries - 1);
      }
      return CompletableFuture.completedFuture(r);
    });
  }

  private static BindingResult result(InetSocketAddress address, StunMessage response, long start) {
    if (response.messageClass() == StunClass.ERROR_RESPONSE) {
      throw new CompletionException(failure(address, response, "error response"));
    }
    try {
      return BindingResult.of(address, response, Duration.ofNanos(System.nanoTime() - start));
    } catch (StunParseException e) {
      throw new CompletionException(new StunTransactionException(
          address, StunTransactionException.Reason.BAD_RESPONSE, Optional.empty(), e.getMessage()));
    }
  }

  private static boolean isCode(StunMessage m, int code) {
    return m.attribute(ErrorCode.class).map(e -> e.code() == code).orElse(false);
  }

  private static StunTransactionException failure(InetSocketAddress address, StunMessage response, String why) {
    Optional<ErrorCode> error = response.attribute(ErrorCode.class);
    return new StunTransactionException(address, StunTransactionException.Reason.ERROR_RESPONSE, error,
        why + error.map(e -> ": " + e.code() + " " + e.reason()).orElse(""));
  }
}
