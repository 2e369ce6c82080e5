package io.macula.nat.transport.internal;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.RejectedExecutionException;

/**
 * Sends what the QUIC codecs flush in one pass of the event loop with one flush of the socket (one
 * sendmmsg): each connection's timer, and each write handed over from another thread, flushes the
 * socket for its own datagram or two: a third of the loop of a hub with thousands of connections,
 * while its nodes re-homed, went to those timers' sends. What is flushed during a read batch leaves
 * at the batch's end, after the codecs' own end of it; anything else after the tasks queued before
 * it, and at once after {@link #MOST_HELD} flushes, when the socket stops taking writes, or when it
 * closes. Between the path layer and the codecs; the event loop's only.
 */
final class FlushBatching extends ChannelDuplexHandler {
  /** Flushes held at most before one goes at once: a long pass of tasks does not hold datagrams long. */
  static final int MOST_HELD = 64;

  private ChannelHandlerContext context;
  /** Whether a read batch or its end runs now: its flushes go at its end. */
  private boolean inBatch;
  /** Flushes asked for since the last that went down. */
  private int held;
  /** Whether a task that flushes what is held is queued on the event loop. */
  private boolean queued;
  private final Runnable queuedFlush = () -> {
    queued = false;
    flushHeld(context);
  };

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    context = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    inBatch = true;
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    inBatch = true; // the codecs flush as the batch's end reaches them
    try {
      ctx.fireChannelReadComplete();
    } finally {
      inBatch = false;
      flushHeld(ctx);
    }
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    held++;
    if (held >= MOST_HELD || !ctx.channel().isWritable()) {
      flushNow(ctx);
      return;
    }
    // A read batch always ends (a carried packet comes with its own end outside one): its end flushes.
    if (!inBatch && !queued) {
      queued = true;
      try {
        ctx.executor().execute(queuedFlush);
      } catch (RejectedExecutionException e) {
        queued = false; // the loop is shutting down: nothing will run later
        flushHeld(ctx);
      }
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (!ctx.channel().isWritable() && held > 0) {
      flushNow(ctx);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    if (held > 0) {
      flushNow(ctx); // what the codecs sent last (connections closing) still leaves
    }
    ctx.close(promise);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (held > 0) {
      flushNow(ctx);
    }
  }

  /** Flushes what is held, unless a read batch runs: its end will. */
  private void flushHeld(ChannelHandlerContext ctx) {
    if (held > 0 && !inBatch) {
      flushNow(ctx);
    }
  }

  private void flushNow(ChannelHandlerContext ctx) {
    held = 0;
    ctx.flush();
  }
}
