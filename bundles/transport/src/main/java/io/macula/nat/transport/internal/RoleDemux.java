package io.macula.nat.transport.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;

/**
 * Sends each QUIC packet to the role it is for: packets for this node's client connections skip
 * the server codec (they enter the pipeline after it, at the bridge); all others go to the server
 * codec. Both codecs swallow reads, so both are told when a batch of reads is complete.
 */
final class RoleDemux extends ChannelInboundHandlerAdapter {
  private final DropCounters drops;
  private ChannelHandlerContext bridge;

  RoleDemux(DropCounters drops) {
    this.drops = drops;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof DatagramPacket packet)) {
      ctx.fireChannelRead(msg);
      return;
    }
    Boolean forClient = ConnectionIds.isForClient(packet.content());
    if (forClient == null) {
      drops.drop(DropCounters.TRUNCATED);
      packet.release();
    } else if (forClient) {
      bridge(ctx).fireChannelRead(packet);
    } else {
      ctx.fireChannelRead(packet);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.fireChannelReadComplete();
    bridge(ctx).fireChannelReadComplete();
  }

  private ChannelHandlerContext bridge(ChannelHandlerContext ctx) {
    if (bridge == null) {
      bridge = ctx.pipeline().context(QuicEndpoint.BRIDGE);
    }
    return bridge;
  }
}
