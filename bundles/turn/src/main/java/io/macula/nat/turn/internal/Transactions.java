package io.macula.nat.turn.internal;

import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.TransactionId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A TURN client's requests and their responses, RFC 8489 §6.2: over UDP each is sent again on the
 * schedule, over a reliable transport once; either way it fails once the schedule gives up. A
 * success response to a request that carried MESSAGE-INTEGRITY must carry one that holds.
 */
final class Transactions {
  private record Pending(CompletableFuture<StunMessage> answer, byte[] key) {}

  private final TurnTransport transport;
  private final ScheduledExecutorService timer;
  private final RetransmissionSchedule schedule;
  private final Map<TransactionId, Pending> pending = new ConcurrentHashMap<>();

  Transactions(TurnTransport transport, ScheduledExecutorService timer, RetransmissionSchedule schedule) {
    this.transport = transport;
    this.timer = timer;
    this.schedule = schedule;
  }

  CompletableFuture<StunMessage> request(StunMessage request, byte[] key) {
    ByteBuf encoded = StunCodec.encode(ByteBufAllocator.DEFAULT, request, key, false, true);
    byte[] bytes = new byte[encoded.readableBytes()];
    encoded.readBytes(bytes);
    encoded.release();
    int sends = transport.reliable() ? 1 : schedule.rc();
    long giveUp = transport.reliable() ? schedule.giveUp().toMillis() : schedule.offsetMillis(schedule.rc());
    CompletableFuture<StunMessage> answer = new CompletableFuture<>();
    ScheduledFuture<?>[] timers = new ScheduledFuture<?>[sends];
    for (int n = 1; n < sends; n++) {
      timers[n] = timer.schedule(() -> {
        if (!answer.isDone()) {
          transport.send(Unpooled.wrappedBuffer(bytes));
        }
      }, schedule.offsetMillis(n), TimeUnit.MILLISECONDS);
    }
    timers[0] = timer.schedule(() -> answer.completeExceptionally(
        new TurnException(0, "no answer from the TURN server within " + giveUp + " ms")), giveUp, TimeUnit.MILLISECONDS);
    pending.put(request.transactionId(), new Pending(answer, key));
    answer.whenComplete((r, e) -> {
      pending.remove(request.transactionId());
      for (ScheduledFuture<?> t : timers) {
        t.cancel(false);
      }
    });
    transport.send(Unpooled.wrappedBuffer(bytes));
    return answer;
  }

  /** Takes a response to one of the pending requests; false for anything else. */
  boolean received(StunMessage m, ByteBuf raw) {
    if (m.messageClass() != StunClass.SUCCESS_RESPONSE && m.messageClass() != StunClass.ERROR_RESPONSE) {
      return false;
    }
    Pending p = pending.get(m.transactionId());
    if (p == null) {
      return false;
    }
    if (m.messageClass() == StunClass.SUCCESS_RESPONSE && p.key() != null && !StunCodec.verifyIntegrity(raw, p.key())) {
      return true; // not from the server: the real answer may still come
    }
    p.answer().complete(m);
    return true;
  }

  void close() {
    pending.values().forEach(p -> p.answer().completeExceptionally(new TurnException(0, "the TURN client closed")));
  }
}
