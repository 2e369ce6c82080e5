package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How much of a backlog an endpoint's socket reads a wakeup: the loop's timers wait between wakeups. */
class SocketReadsTest {
  @Test
  void aWakeupReadsSeveralSystemCallsWorthOfABacklog() throws Exception {
    assumeTrue(Epoll.isAvailable(), "recvmmsg is epoll's");
    int backlog = QuicEndpoint.READ_PER_WAKEUP + 3 * QuicEndpoint.BATCH;
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    List<Integer> perWakeup = new CopyOnWriteArrayList<>();
    CountDownLatch all = new CountDownLatch(backlog);
    try (DatagramSocket sender = new DatagramSocket()) {
      Channel channel = QuicEndpoint.socketOptions(new Bootstrap().group(group).channel(EpollDatagramChannel.class), true)
          .handler(new ChannelInboundHandlerAdapter() {
            private int read;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
              ReferenceCountUtil.release(msg);
              read++;
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
              perWakeup.add(read);
              for (; read > 0; read--) {
                all.countDown(); // counted once its wakeup is written down
              }
            }
          })
          .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
      CountDownLatch held = new CountDownLatch(1);
      CountDownLatch queued = new CountDownLatch(1);
      channel.eventLoop().execute(() -> { // the loop is busy while the backlog builds
        held.countDown();
        try {
          queued.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      assertTrue(held.await(10, TimeUnit.SECONDS), "the loop held");
      InetSocketAddress to = (InetSocketAddress) channel.localAddress();
      for (int i = 0; i < backlog; i++) {
        sender.send(new DatagramPacket(new byte[100], 100, to));
      }
      queued.countDown();
      assertTrue(all.await(10, TimeUnit.SECONDS), "every datagram read: " + perWakeup);
      assertEquals(QuicEndpoint.READ_PER_WAKEUP, perWakeup.get(0), "the first wakeup: " + perWakeup);
      channel.close().sync();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }
}
