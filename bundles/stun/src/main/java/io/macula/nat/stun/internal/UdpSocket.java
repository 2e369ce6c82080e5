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
  private final Reader reader;
  private final InetSocketAddress local;

  private UdpSocket(Channel channel, Reader reader) {
    this.channel = channel;
    this.reader = reader;
    this.local = (InetSocketAddress) channel.localAddress();
  }

  static EventLoopGroup newGroup(int threads) {
    return new MultiThreadIoEventLoopGroup(threads, EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  static void shutdown(EventLoopGroup group) {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  static UdpSocket bind(EventLoopGroup group, InetSocketAddress address, Receiver receiver) {
    Reader reader = new Reader(receiver);
    Channel ch = new Bootstrap()
        .group(group)
        .channel(EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class)
        .option(ChannelOption.SO_RCVBUF, 4 << 20)
        .option(ChannelOption.SO_SNDBUF, 4 << 20)
        .handler(reader)
        .bind(address)
        .syncUninterruptibly()
        .channel();
    return new UdpSocket(ch, reader);
  }

  /** Hands each datagram to the receiver; knows whether its channel is inside a batch of reads. */
  private static final class Reader extends SimpleChannelInboundHandler<DatagramPacket> {
    private final Receiver receiver;
    boolean inReadBatch; // only touched on the channel's event loop

    Reader(Receiver receiver) {
      this.receiver = receiver;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
      inReadBatch = true;
      receiver.received((InetSocketAddress) ctx.channel().localAddress(), p.sender(), p.content());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      // The answers to a batch of reads leave together (one sendmmsg on epoll).
      inReadBatch = false;
      ctx.flush();
    }
  }

  InetSocketAddress localAddress() {
    return local;
  }

  @Override
  public void send(InetSocketAddress to, ByteBuffer datagram) {
    sendAndRelease(to, channel.alloc().ioBuffer(datagram.remaining()).writeBytes(datagram.duplicate()));
  }

  @Override
  public void sendAndRelease(InetSocketAddress to, ByteBuf datagram) {
    DatagramPacket packet = new DatagramPacket(datagram, to);
    if (channel.eventLoop().inEventLoop() && reader.inReadBatch) {
      channel.write(packet, channel.voidPromise()); // flushed when the read batch completes
    } else {
      channel.writeAndFlush(packet, channel.voidPromise());
    }
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }
}
