package io.macula.nat.transport.internal;

import io.macula.nat.api.PeerStream;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamFrame;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** A QUIC stream as blocking Java streams, for applications. */
final class QuicPeerStream extends ChannelInboundHandlerAdapter implements PeerStream {
  private final QuicStreamChannel channel;
  private final StreamInput input;
  private final StreamOutput output;

  QuicPeerStream(QuicStreamChannel channel) {
    this.channel = channel;
    this.input =
        new StreamInput(
            new StreamInput.Reading() {
              @Override
              public void pause() {
                channel.config().setAutoRead(false);
              }

              @Override
              public void resume() {
                channel.eventLoop().execute(() -> {
                  channel.config().setAutoRead(true);
                  channel.read();
                });
              }
            });
    this.output = new StreamOutput(channel);
  }

  @Override
  public InputStream input() {
    return input;
  }

  @Override
  public OutputStream output() {
    return output;
  }

  @Override
  public void close() {
    input.close();
    try {
      output.close();
    } catch (IOException e) {
      // the channel is gone already
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof QuicStreamFrame frame) {
      input.offer(frame.content().retain());
      if (frame.hasFin()) {
        input.finish();
      }
      frame.release();
    } else if (msg instanceof ByteBuf buf) {
      input.offer(buf);
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete) {
      input.finish();
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    output.writabilityChanged();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    input.finish();
    output.writabilityChanged();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    input.fail(new IOException("stream " + channel.streamId() + " failed: " + cause.getMessage(), cause));
    ctx.close();
  }
}
