package io.macula.nat.transport.internal;

import io.macula.nat.api.PathKind;
import io.macula.nat.transport.api.PacketCarrier;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * QUIC packets over one TCP connection, each behind its 2-byte length, the way DERP carries
 * WireGuard over HTTPS: where UDP is blocked, a node still reaches its hub. Both ends see the
 * stream as a carrier beneath the path layer; what arrives goes to QUIC as if from the stream's
 * far end. A packet that finds the stream's buffer full is dropped, as a datagram would be, and
 * QUIC sends it again.
 */
final class StreamCarrier extends SimpleChannelInboundHandler<ByteBuf> implements PacketCarrier {
  /** Larger than any QUIC packet of the endpoint, smaller than a frame's 2-byte length allows. */
  static final int MAX_FRAME = 65_535;
  /** A stream with nothing to read this long is closed: a live QUIC connection speaks every second. */
  static final Duration IDLE = Duration.ofSeconds(60);

  private final InetSocketAddress remote;
  private final BiConsumer<StreamCarrier, ByteBuf> received;
  private final DropCounters drops;
  private volatile Channel channel;

  /**
   * @param received takes each packet that arrives (on the stream's event loop; the buffer is the
   *     callee's to release)
   */
  StreamCarrier(InetSocketAddress remote, BiConsumer<StreamCarrier, ByteBuf> received, DropCounters drops) {
    this.remote = remote;
    this.received = received;
    this.drops = drops;
  }

  /** Sets up a stream's pipeline with this carrier at its end. */
  void install(ChannelPipeline p) {
    p.addLast(new IdleStateHandler((int) IDLE.toSeconds(), 0, 0))
        .addLast(new LengthFieldBasedFrameDecoder(MAX_FRAME + 2, 0, 2, 0, 2))
        .addLast(new LengthFieldPrepender(2))
        .addLast(this);
  }

  InetSocketAddress remote() {
    return remote;
  }

  boolean isOpen() {
    Channel c = channel;
    return c != null && c.isActive();
  }

  void close() {
    Channel c = channel;
    if (c != null) {
      c.close();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    ctx.fireChannelActive();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
    received.accept(this, frame.retain());
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    drops.drop(DropCounters.STREAM_ERROR);
    ctx.close(); // a frame too long, a reset: the stream is done
  }

  @Override
  public void send(InetSocketAddress peer, ByteBuffer packet) {
    Channel c = channel;
    if (c == null || !c.isActive() || !c.isWritable()) {
      drops.drop(DropCounters.STREAM_FULL);
      return;
    }
    c.writeAndFlush(c.alloc().ioBuffer(packet.remaining()).writeBytes(packet.duplicate()), c.voidPromise());
  }

  @Override
  public String describe() {
    return "tcp " + remote.getAddress().getHostAddress() + ":" + remote.getPort();
  }

  @Override
  public PathKind kind() {
    return PathKind.DIRECT;
  }

  @Override
  public String toString() {
    return describe();
  }
}
