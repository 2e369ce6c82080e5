package io.macula.nat.turn.internal;

import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.Lifetime;
import io.macula.nat.stun.api.Nonce;
import io.macula.nat.stun.api.Realm;
import io.macula.nat.stun.api.RequestedTransport;
import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.StunAttribute;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunParseException;
import io.macula.nat.stun.api.TransactionId;
import io.macula.nat.stun.api.Username;
import io.macula.nat.stun.api.XorMappedAddress;
import io.macula.nat.stun.api.XorRelayedAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.LongAdder;

/**
 * A TURN client of one server, RFC 8656: allocates a relayed address with the long-term
 * credential mechanism (an anonymous request first; on 401 again with USERNAME, REALM, NONCE and
 * MESSAGE-INTEGRITY; on 438 once more with the fresh nonce), and takes what the server sends. One
 * allocation at a time.
 */
final class TurnClient implements AutoCloseable {
  /** The lifetime asked for; the server may give less. */
  static final Duration REQUESTED_LIFETIME = Duration.ofMinutes(10);

  /** The realm and nonce the server gave, and the key they make with the credentials. */
  private record Auth(String realm, String nonce, byte[] key) {}

  private final TurnTransport transport;
  private final TurnCredentials credentials;
  private final ScheduledExecutorService timer;
  private final Transactions transactions;
  private final LongAdder dropped = new LongAdder();
  private volatile Auth auth;
  private volatile Allocation allocation;

  TurnClient(TurnTransport transport, TurnCredentials credentials, ScheduledExecutorService timer,
      RetransmissionSchedule schedule) {
    this.transport = transport;
    this.credentials = credentials;
    this.timer = timer;
    this.transactions = new Transactions(transport, timer, schedule);
  }

  TurnCredentials credentials() {
    return credentials;
  }

  /** Allocates a relayed transport address for UDP to peers. */
  CompletableFuture<Allocation> allocate() {
    return request(StunMessage.ALLOCATE, List.of(
            new RequestedTransport(RequestedTransport.UDP), new Lifetime(REQUESTED_LIFETIME.toSeconds())))
        .thenApply(answer -> {
          Allocation a = new Allocation(this, timer,
              answer.attribute(XorRelayedAddress.class).orElseThrow(() -> missing("XOR-RELAYED-ADDRESS")).address(),
              answer.attribute(XorMappedAddress.class).map(XorMappedAddress::address),
              Duration.ofSeconds(answer.attribute(Lifetime.class).map(Lifetime::seconds).orElse(600L)));
          allocation = a;
          return a;
        });
  }

  /**
   * An authenticated request: success, or the server's refusal as a {@link TurnException}. The
   * credentials are asked for by the server (401) and the nonce renewed (438) as needed.
   */
  CompletableFuture<StunMessage> request(int method, List<StunAttribute> attributes) {
    return request(method, attributes, 2);
  }

  private CompletableFuture<StunMessage> request(int method, List<StunAttribute> attributes, int retries) {
    Auth a = auth;
    List<StunAttribute> all = new ArrayList<>(attributes);
    if (a != null) {
      all.add(new Username(credentials.username()));
      all.add(new Realm(a.realm()));
      all.add(new Nonce(a.nonce()));
    }
    StunMessage m = new StunMessage(StunClass.REQUEST, method, TransactionId.random(), all);
    return transactions.request(m, a == null ? null : a.key()).thenCompose(answer -> {
      if (answer.messageClass() == StunClass.SUCCESS_RESPONSE) {
        return CompletableFuture.completedFuture(answer);
      }
      ErrorCode error = answer.attribute(ErrorCode.class).orElse(new ErrorCode(500, "an error with no ERROR-CODE"));
      boolean challenged = error.code() == 401 && a == null;
      if ((challenged || error.code() == 438) && retries > 0) {
        var realm = answer.attribute(Realm.class).map(Realm::value).or(() -> a == null ? Optional.empty()
            : Optional.of(a.realm()));
        var nonce = answer.attribute(Nonce.class).map(Nonce::value);
        if (realm.isEmpty() || nonce.isEmpty()) {
          return CompletableFuture.failedFuture(new TurnException(error.code(), error.code() + " without REALM and NONCE"));
        }
        auth = new Auth(realm.get(), nonce.get(),
            StunCodec.longTermKey(credentials.username(), realm.get(), credentials.password()));
        return request(method, attributes, retries - 1);
      }
      String why = error.code() == 401 ? "the TURN server refused the credentials of " + credentials.username()
          : "the TURN server answered " + error.code() + " " + error.reason();
      return CompletableFuture.failedFuture(new TurnException(error.code(), why));
    });
  }

  /** An indication to the server: no answer, no integrity (RFC 8656 §11). */
  void indicate(StunMessage indication) {
    transport.send(StunCodec.encode(ByteBufAllocator.DEFAULT, indication, null, false, true));
  }

  TurnTransport transport() {
    return transport;
  }

  /**
   * A message from the server: a response, a Data indication, or ChannelData (a channel not bound
   * here is counted and dropped).
   *
   * @return false for a message that is none of these (not STUN, or for no transaction of this
   *     client): something else may want it
   */
  boolean received(ByteBuf message) {
    if (message.isReadable() && ChannelData.isChannelData(message.getUnsignedByte(message.readerIndex()))) {
      ChannelData cd = ChannelData.decode(message);
      Allocation a = allocation;
      if (cd == null || a == null || !a.channelData(cd)) {
        dropped.increment();
      }
      return true;
    }
    StunMessage m;
    try {
      m = StunCodec.decode(message);
    } catch (StunParseException e) {
      return false;
    }
    if (transactions.received(m, message)) {
      return true;
    }
    Allocation a = allocation;
    if (m.messageClass() != StunClass.INDICATION || m.method() != StunMessage.DATA) {
      return false;
    }
    if (a == null || !a.dataIndication(m)) {
      dropped.increment();
    }
    return true;
  }

  /** ChannelData and Data indications from the server that were malformed or belonged to nothing. */
  long dropped() {
    return dropped.sum();
  }

  void forget(Allocation a) {
    if (allocation == a) {
      allocation = null;
    }
  }

  @Override
  public void close() {
    Allocation a = allocation;
    if (a != null) {
      a.close();
    }
    transactions.close();
  }

  private static IllegalStateException missing(String attribute) {
    return new IllegalStateException("the TURN server's Allocate success response has no " + attribute);
  }
}
