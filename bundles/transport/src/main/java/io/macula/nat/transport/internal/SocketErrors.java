package io.macula.nat.transport.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The tail of the socket's pipeline: an error a codec raised on a datagram (garbage that looked
 * like QUIC, say) is counted, logged at debug level now and then (never a stack trace per packet),
 * and the socket serves on.
 */
@ChannelHandler.Sharable
final class SocketErrors extends ChannelInboundHandlerAdapter {
  private final DropCounters drops;

  SocketErrors(DropCounters drops) {
    this.drops = drops;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    drops.error(DropCounters.SOCKET_ERROR, cause);
  }
}
