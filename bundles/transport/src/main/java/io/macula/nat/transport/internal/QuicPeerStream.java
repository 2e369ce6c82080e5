package io.macula.nat.transport.internal;

import io.macula.nat.api.PeerStream;
import io.macula.nat.api.StreamReceiver;
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
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A QUIC stream as blocking Java streams, or, once a {@link StreamReceiver} takes it, as calls on
 * the stream's event loop, for applications.
 */
final class QuicPeerStream extends ChannelInboundHandlerAdapter implements PeerStream {
  private final QuicStreamChannel channel;
  private final StreamInput input;
  private final StreamOutput output;
  /** Bytes {@link #tryWrite} queued that QUIC did not take yet. */
  private final AtomicLong waiting = new AtomicLong();
  /** On the event loop only: who takes what arrives, once set; and whether it was told the end. */
  private StreamReceiver receiver;
  private boolean ended;

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
  public void receive(StreamReceiver receiver) {
    if (channel.eventLoop().inEventLoop()) {
      handOver(receiver);
    } else {
      channel.eventLoop().execute(() -> handOver(receiver));
    }
  }

  /** On the event loop: what the input buffered goes to the receiver first, then whatever arrives. */
  private void handOver(StreamReceiver r) {
    StreamInput.Handover h = input.handOver();
    receiver = r;
    for (ByteBuf b : h.buffers()) {
      deliver(b);
    }
    if (h.finished()) {
      end(Optional.ofNullable(h.failure()));
    } else if (!channel.config().isAutoRead()) {
      // The input paused reading, with much buffered: only now, behind that, may more arrive.
      channel.config().setAutoRead(true);
      channel.read();
    }
  }

  @Override
  public boolean tryWrite(byte[] data, int maxWaiting) {
    if (!channel.isActive() || output.isClosed()) {
      return false;
    }
    if (waiting.addAndGet(data.length) > maxWaiting) {
      waiting.addAndGet(-data.length);
      return false;
    }
    ByteBuf buf = channel.alloc().ioBuffer(data.length).writeBytes(data);
    channel.writeAndFlush(buf).addListener(f -> waiting.addAndGet(-data.length));
    return true;
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
      take(frame.content().retain());
      if (frame.hasFin()) {
        finish(Optional.empty());
      }
      frame.release();
    } else if (msg instanceof ByteBuf buf) {
      take(buf);
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  private void take(ByteBuf data) {
    if (receiver != null) {
      deliver(data);
    } else {
      input.offer(data);
    }
  }

  /** Gives the receiver {@code data}, which it owns for the call only. */
  private void deliver(ByteBuf data) {
    try {
      if (!ended && data.isReadable()) {
        receiver.received(data.nioBuffer());
      }
    } catch (RuntimeException e) {
      end(Optional.of(new IOException("the stream's receiver failed: " + e, e)));
      channel.close();
    } finally {
      data.release();
    }
  }

  private void finish(Optional<IOException> failure) {
    if (receiver != null) {
      end(failure);
    } else {
      failure.ifPresentOrElse(input::fail, input::finish);
    }
  }

  private void end(Optional<IOException> failure) {
    if (!ended) {
      ended = true;
      receiver.ended(failure);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent || evt instanceof ChannelInputShutdownReadComplete) {
      finish(Optional.empty());
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
    finish(Optional.empty());
    output.writabilityChanged();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    finish(Optional.of(new IOException("stream " + channel.streamId() + " failed: " + cause.getMessage(), cause)));
    ctx.close();
  }
}
