package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A packet written while the socket reads, as the relay forwards, waits for the read batch's end
 * and then leaves with one flush: nothing else need flush it (QUIC's codecs flush only their own).
 */
class PathLayerTest {
  private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 9);

  @Test
  void whatIsWrittenDuringAReadBatchIsFlushedAtItsEnd() {
    Routes routes = new Routes(Clock.systemUTC());
    PathLayer layer = new PathLayer(routes, new DropCounters(), () -> null, () -> null, null, () -> null,
        new AddressToken(routes::origin, Clock.systemUTC(), Duration.ofSeconds(10), () -> true),
        new RelaySequences(), address -> null);
    EmbeddedChannel channel = new EmbeddedChannel(layer, new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        assertTrue(layer.reading());
        ctx.channel().write(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {1}), PEER));
        layer.flushAtBatchEnd();
      }
    });

    channel.pipeline().fireChannelRead("a datagram the socket read");
    assertNull(channel.readOutbound(), "not flushed while the batch is read");
    channel.pipeline().fireChannelReadComplete();

    DatagramPacket sent = channel.readOutbound();
    assertNotNull(sent, "flushed at the batch's end");
    assertEquals(PEER, sent.recipient());
    sent.release();
    channel.finishAndReleaseAll();
  }
}
