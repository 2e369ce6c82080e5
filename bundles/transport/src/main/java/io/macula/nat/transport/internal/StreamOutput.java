package io.macula.nat.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The writing side of a stream. A write waits while the channel is not writable, so a fast writer
 * cannot queue without bound. Closing sends the stream's FIN behind everything written: not {@code
 * shutdownOutput()}, which overtakes queued writes.
 */
final class StreamOutput extends OutputStream {
  private static final int CHUNK = 64 << 10;

  private final Channel channel;
  private final Object writable = new Object();
  private boolean closed;

  StreamOutput(Channel channel) {
    this.channel = channel;
  }

  /** The channel's writability changed; called on the event loop. */
  void writabilityChanged() {
    synchronized (writable) {
      writable.notifyAll();
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      awaitWritable();
      int chunk = Math.min(len, CHUNK);
      ByteBuf buf = channel.alloc().ioBuffer(chunk);
      buf.writeBytes(b, off, chunk);
      channel.writeAndFlush(buf, channel.voidPromise());
      off += chunk;
      len -= chunk;
    }
  }

  /** Whether the stream's FIN was written: nothing may follow it. */
  synchronized boolean isClosed() {
    return closed;
  }

  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (channel.isActive()) {
      channel.writeAndFlush(new DefaultQuicStreamFrame(Unpooled.EMPTY_BUFFER, true));
    }
  }

  private void awaitWritable() throws IOException {
    synchronized (writable) {
      while (!channel.isWritable()) {
        if (closed || !channel.isActive()) {
          throw new IOException("the stream is closed");
        }
        try {
          writable.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while writing a stream");
        }
      }
    }
    if (closed || !channel.isActive()) {
      throw new IOException("the stream is closed");
    }
  }
}
