package io.macula.nat.stun.internal;

import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunTransactionException;
import io.macula.nat.stun.api.TransactionId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Client transactions over UDP, RFC 8489 §6.2.1: each request is sent again on its schedule until
 * a response with its transaction id arrives, from any address (RFC 5780 answers come from
 * another), or the schedule runs out.
 */
final class ClientTransactions {
  private final DatagramSender sender;
  private final ScheduledExecutorService timer;
  private final StunCounters counters;
  private final Map<TransactionId, Pending> pending = new ConcurrentHashMap<>();

  ClientTransactions(DatagramSender sender, ScheduledExecutorService timer, StunCounters counters) {
    this.sender = sender;
    this.timer = timer;
    this.counters = counters;
  }

  /**
   * One request waiting for its answer. {@code next} and {@code sent} are guarded by this
   * instance's lock, which its methods take themselves: the timer, the I/O thread that completes
   * the result and the caller of {@link #start} all call them.
   */
  private final class Pending {
    final InetSocketAddress server;
    final DatagramSender sender;
    final byte[] datagram;
    final byte[] integrityKey;
    final RetransmissionSchedule schedule;
    final CompletableFuture<StunMessage> result = new CompletableFuture<>();
    final TransactionId id;
    ScheduledFuture<?> next; // guarded by this
    int sent; // guarded by this

    Pending(InetSocketAddress server, DatagramSender sender, TransactionId id, byte[] datagram, byte[] key,
        RetransmissionSchedule s) {
      this.server = server;
      this.sender = sender;
      this.id = id;
      this.datagram = datagram;
      this.integrityKey = key;
      this.schedule = s;
    }

    synchronized void sendAndSchedule() {
      if (result.isDone()) {
        return;
      }
      if (sent == schedule.rc()) {
        pending.remove(id);
        counters.timeouts.increment();
        result.completeExceptionally(new StunTransactionException(
            server, StunTransactionException.Reason.TIMED_OUT, Optional.empty(),
            "no answer in " + schedule.giveUp().toMillis() + " ms (" + sent + " sends)"));
        return;
      }
      if (sent > 0) {
        counters.retransmissions.increment();
      }
      try {
        sender.send(server, ByteBuffer.wrap(datagram));
      } catch (RuntimeException e) {
        pending.remove(id);
        result.completeExceptionally(new StunTransactionException(
            server, StunTransactionException.Reason.SEND_FAILED, Optional.empty(), String.valueOf(e)));
        return;
      }
      long delay = schedule.offsetMillis(sent + 1) - schedule.offsetMillis(sent);
      sent++;
      next = timer.schedule(this::sendAndSchedule, delay, TimeUnit.MILLISECONDS);
    }

    synchronized void cancelTimer() {
      if (next != null) {
        next.cancel(false);
      }
    }
  }

  /**
   * Starts a transaction. The response completes the future, error responses included; with a
   * key, a success response must carry a valid MESSAGE-INTEGRITY.
   */
  CompletableFuture<StunMessage> start(
      InetSocketAddress server, StunMessage request, byte[] integrityKey, RetransmissionSchedule schedule) {
    return start(server, request, integrityKey, schedule, sender);
  }

  /** Starts a transaction whose request goes out through {@code via}, not the socket. */
  CompletableFuture<StunMessage> start(InetSocketAddress server, StunMessage request, byte[] integrityKey,
      RetransmissionSchedule schedule, DatagramSender via) {
    if (request.messageClass() != StunClass.REQUEST) {
      throw new IllegalArgumentException("a transaction starts with a request, not " + request.messageClass());
    }
    ByteBuf encoded = StunCodec.encode(ByteBufAllocator.DEFAULT, request, integrityKey, false, true);
    byte[] datagram;
    try {
      datagram = new byte[encoded.readableBytes()];
      encoded.getBytes(encoded.readerIndex(), datagram);
    } finally {
      encoded.release();
    }
    Pending p = new Pending(server, via, request.transactionId(), datagram, integrityKey, schedule);
    pending.put(p.id, p);
    counters.transactions.increment();
    p.result.whenComplete((m, e) -> {
      pending.remove(p.id);
      p.cancelTimer();
    });
    p.sendAndSchedule();
    return p.result;
  }

  /**
   * A response arrived: completes its transaction. Returns false when no transaction waits for it
   * (late, duplicate, or forged), or its integrity does not hold.
   */
  boolean onResponse(ByteBuf raw, StunMessage response) {
    Pending p = pending.get(response.transactionId());
    if (p == null) {
      counters.drop(StunCounters.UNMATCHED_RESPONSE);
      return false;
    }
    if (p.integrityKey != null && response.messageClass() == StunClass.SUCCESS_RESPONSE
        && !StunCodec.verifyIntegrity(raw, p.integrityKey)) {
      // Not ours, or forged: the real answer may still come.
      counters.drop(StunCounters.BAD_INTEGRITY);
      return false;
    }
    counters.responses.increment();
    return p.result.complete(response);
  }

  /** Fails every transaction: the socket is going away. */
  void close() {
    pending.values().forEach(p -> p.result.completeExceptionally(new StunTransactionException(
        p.server, StunTransactionException.Reason.SEND_FAILED, Optional.empty(), "the STUN client stopped")));
  }
}
