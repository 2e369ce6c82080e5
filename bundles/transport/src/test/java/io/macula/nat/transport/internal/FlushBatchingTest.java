package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The codecs' flushes of one pass of the event loop reach the socket as one: those of a read batch
 * at its end, the others (timers, writes from other threads) when the tasks queued before them ran.
 */
class FlushBatchingTest {
  /** Flushes that reached the socket. */
  private final AtomicInteger socketFlushes = new AtomicInteger();
  private EmbeddedChannel channel;

  /** A socket, the batching, and a codec that flushes once for each packet it reads and at the batch's end. */
  @BeforeEach
  void socket() {
    channel = new EmbeddedChannel(
        new ChannelOutboundHandlerAdapter() {
          @Override
          public void flush(ChannelHandlerContext ctx) {
            socketFlushes.incrementAndGet();
            ctx.flush();
          }
        },
        new FlushBatching(),
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.flush();
          }

          @Override
          public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
          }
        });
    socketFlushes.set(0);
  }

  @AfterEach
  void close() {
    channel.finishAndReleaseAll();
  }

  @Test
  void flushesOutsideAReadBatchGoAsOneWhenTheQueuedTasksRan() {
    for (int timer = 0; timer < 10; timer++) {
      channel.pipeline().flush();
    }
    assertEquals(0, socketFlushes.get(), "held while the loop's tasks run");
    channel.runPendingTasks();
    assertEquals(1, socketFlushes.get(), "then one flush for all ten");
    channel.runPendingTasks();
    assertEquals(1, socketFlushes.get(), "and nothing more");
  }

  @Test
  void aReadBatchsFlushesGoAtItsEndAfterTheCodecsEndOfIt() {
    for (int packet = 0; packet < 5; packet++) {
      channel.pipeline().fireChannelRead("a datagram");
    }
    assertEquals(0, socketFlushes.get(), "held while the batch is read");
    channel.pipeline().fireChannelReadComplete();
    assertEquals(1, socketFlushes.get(), "one flush at the batch's end, with the codec's own");
    channel.runPendingTasks();
    assertEquals(1, socketFlushes.get(), "and nothing more");
  }

  @Test
  void aLongRunOfFlushesIsNotHeldPastTheMost() {
    for (int timer = 0; timer < FlushBatching.MOST_HELD; timer++) {
      channel.pipeline().flush();
    }
    assertEquals(1, socketFlushes.get(), "the last of the most held goes at once");
  }

  @Test
  void whatIsHeldLeavesBeforeTheSocketCloses() {
    channel.pipeline().flush();
    channel.close();
    assertEquals(1, socketFlushes.get(), "flushed on close, not left for a task that finds it closed");
  }
}
