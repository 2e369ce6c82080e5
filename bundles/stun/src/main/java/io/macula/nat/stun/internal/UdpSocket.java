package io.macula.nat.stun.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * A UDP socket of the STUN server's own (the RFC 5780 alternates, or a standalone server), on
 * Netty's native epoll transport where it loads.
 */
final class UdpSocket implements DatagramSender, AutoCloseable {
  /** Takes each datagram; {@code datagram} is valid only during the call. */
  @FunctionalInterface
  interface Receiver {
    void received(InetSocketAddress at, InetSocketAddress sender, ByteBuf datagram);
  }

  private static final boolean EPOLL = Epoll.isAvailable();

  private final Channel channel;
  private final InetSocketAddress local;

  private UdpSocket(Channel channel) {
    this.channel = channel;
    this.local = (InetSocketAddress) channel.localAddress();
  }

  static EventLoopGroup newGroup(int threads) {
    return new MultiThreadIoEventLoopGroup(threads, EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  static void shutdown(EventLoopGroup group) {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  static UdpSocket bind(EventLoopGroup group, InetSocketAddress address, Receiver receiver) {
    Channel ch = new Bootstrap()
        .group(group)
        .channel(EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class)
        .option(ChannelOption.SO_RCVBUF, 4 << 20)
        .option(ChannelOption.SO_SNDBUF, 4 << 20)
        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            receiver.received((InetSocketAddress) ctx.channel().localAddress(), p.sender(), p.content());
          }
        })
        .bind(address)
        .syncUninterruptibly()
        .channel();
    return new UdpSocket(ch);
  }

  InetSocketAddress localAddress() {
    return local;
  }

  @Override
  public void send(InetSocketAddress to, ByteBuffer datagram) {
    ByteBuf copy = channel.alloc().ioBuffer(datagram.remaining()).writeBytes(datagram.duplicate());
    channel.writeAndFlush(new DatagramPacket(copy, to), channel.voidPromise());
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }
}
