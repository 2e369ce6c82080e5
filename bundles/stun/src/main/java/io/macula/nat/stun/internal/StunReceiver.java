package io.macula.nat.stun.internal;

import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunParseException;
import io.macula.nat.stun.api.StunRequestHandler;
import io.macula.nat.stun.api.TransactionId;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Sorts the STUN datagrams of one socket: responses to the client's transactions; requests to a
 * hairpinning probe, the request handlers (ICE), or the server (when this node is one). Never throws: what does not parse, or
 * has no taker, is dropped and counted.
 */
final class StunReceiver {
  private final ClientTransactions client;
  private final Supplier<BindingServer> server;
  private final Supplier<List<StunRequestHandler>> handlers;
  private final StunCounters counters;
  private final Map<TransactionId, CompletableFuture<Void>> hairpinProbes = new ConcurrentHashMap<>();

  StunReceiver(ClientTransactions client, Supplier<BindingServer> server,
      Supplier<List<StunRequestHandler>> handlers, StunCounters counters) {
    this.client = client;
    this.server = server;
    this.handlers = handlers;
    this.counters = counters;
  }

  /** A datagram arrived at {@code at} from {@code sender}; the caller keeps {@code raw}. */
  void received(InetSocketAddress at, InetSocketAddress sender, ByteBuf raw) {
    StunMessage m = decode(raw);
    if (m == null) {
      return;
    }
    switch (m.messageClass()) {
      case SUCCESS_RESPONSE, ERROR_RESPONSE -> client.onResponse(raw, m);
      case INDICATION -> counters.drop(StunCounters.INDICATION);
      case REQUEST -> {
        CompletableFuture<Void> probe = hairpinProbes.get(m.transactionId());
        if (probe != null) {
          probe.complete(null);
          return;
        }
        for (StunRequestHandler h : handlers.get()) {
          if (h.handle(sender, m, raw.nioBuffer(raw.readerIndex(), raw.readableBytes()))) {
            return;
          }
        }
        BindingServer s = server.get();
        if (s == null) {
          counters.drop(StunCounters.REQUEST_NOT_SERVED);
        } else {
          s.onRequest(at, sender, raw, m);
        }
      }
    }
  }

  /** The STUN message in {@code raw}, or null when it is none (not STUN, or malformed: counted). */
  StunMessage decode(ByteBuf raw) {
    if (!StunCodec.looksLikeStun(raw)) {
      counters.drop(StunCounters.NOT_STUN);
      return null;
    }
    try {
      return StunCodec.decode(raw);
    } catch (StunParseException e) {
      counters.drop(StunCounters.MALFORMED);
      return null;
    }
  }

  /**
   * Expects a request with this id to come back to this socket (RFC 5780 §4.5); the future
   * completes when it does.
   */
  CompletableFuture<Void> expectHairpin(TransactionId id) {
    return hairpinProbes.computeIfAbsent(id, i -> new CompletableFuture<>());
  }

  void forgetHairpin(TransactionId id) {
    hairpinProbes.remove(id);
  }
}
