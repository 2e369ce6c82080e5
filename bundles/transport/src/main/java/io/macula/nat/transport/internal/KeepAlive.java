package io.macula.nat.transport.internal;

import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionStats;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps an idle QUIC connection open: QUIC closes one that hears nothing for its idle timeout, and
 * Netty's QUIC has no PING to send. So, a third of the timeout after the last packet came from the
 * peer, the connection sends it a keep-alive DATAGRAM frame (RFC 9221, {@link PeerDatagram}): ack-eliciting, so the peer's
 * acknowledgement restarts this side's idle timer, as the frame restarts the peer's. A peer that
 * is gone answers nothing, and the connection closes at the timeout as before.
 */
final class KeepAlive {
  private final QuicChannel channel;
  private final AtomicLong sent = new AtomicLong();
  private long receivedAtLastTick = -1;
  private ScheduledFuture<?> ticks;

  private KeepAlive(QuicChannel channel) {
    this.channel = channel;
  }

  /** Starts keeping the connection open, every third of {@code idleTimeout}, until it closes. */
  static KeepAlive start(QuicChannel channel, Duration idleTimeout) {
    KeepAlive k = new KeepAlive(channel);
    long every = Math.max(1, idleTimeout.toMillis() / 3);
    channel.eventLoop().execute(() -> {
      k.ticks = channel.eventLoop().scheduleAtFixedRate(k::tick, every, every, TimeUnit.MILLISECONDS);
      channel.closeFuture().addListener(f -> k.ticks.cancel(false));
    });
    return k;
  }

  /** Keep-alives sent so far. */
  long sent() {
    return sent.get();
  }

  /** Sends a keep-alive now; from any thread. */
  void now() {
    if (channel.isActive()) {
      sent.incrementAndGet();
      channel.writeAndFlush(PeerDatagram.keepAlive(), channel.voidPromise());
    }
  }

  /** On the channel's event loop. */
  private void tick() {
    if (!channel.isActive()) {
      return;
    }
    channel.collectStats().addListener(f -> {
      if (!f.isSuccess()) {
        return;
      }
      long received = ((QuicConnectionStats) f.getNow()).recv();
      if (received == receivedAtLastTick) {
        now();
      }
      receivedAtLastTick = received;
    });
  }
}
