package io.macula.nat.transport.internal;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The reading side of a stream: buffers what the event loop delivers until the application reads
 * it. Above {@link #HIGH} bytes buffered it asks the channel to stop reading (so QUIC flow control
 * slows the sender), and below {@link #LOW} to read again.
 */
final class StreamInput extends InputStream {
  static final int HIGH = 1 << 20;
  static final int LOW = 256 << 10;

  /** Pauses or resumes reading the channel; called on the application's thread. */
  interface Reading {
    void pause();

    void resume();
  }

  private final Reading reading;

  /** Guarded by this. */
  private final Deque<ByteBuf> buffers = new ArrayDeque<>();

  private int buffered;
  private boolean paused;
  private boolean finished;
  private IOException failure;

  StreamInput(Reading reading) {
    this.reading = reading;
  }

  /** Takes ownership of {@code data}. */
  synchronized void offer(ByteBuf data) {
    if (finished || !data.isReadable()) {
      data.release();
      return;
    }
    buffers.addLast(data);
    buffered += data.readableBytes();
    if (buffered > HIGH && !paused) {
      paused = true;
      reading.pause();
    }
    notifyAll();
  }

  synchronized void finish() {
    finished = true;
    notifyAll();
  }

  synchronized void fail(IOException e) {
    if (failure == null) {
      failure = e;
    }
    finish();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public synchronized int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    try {
      while (buffers.isEmpty()) {
        if (failure != null) {
          throw failure;
        }
        if (finished) {
          return -1;
        }
        wait();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while reading a stream");
    }
    int n = 0;
    while (n < len && !buffers.isEmpty()) {
      ByteBuf head = buffers.peekFirst();
      int chunk = Math.min(len - n, head.readableBytes());
      head.readBytes(b, off + n, chunk);
      n += chunk;
      if (!head.isReadable()) {
        buffers.removeFirst().release();
      }
    }
    buffered -= n;
    if (paused && buffered < LOW) {
      paused = false;
      reading.resume();
    }
    return n;
  }

  /** What the input held when a receiver took the stream over: its buffers, and how it ended, if it did. */
  record Handover(java.util.List<ByteBuf> buffers, boolean finished, IOException failure) {}

  /**
   * Gives up the stream to a receiver: returns what is buffered (the caller releases it) and how
   * the stream ended, if it did; the input reads nothing after.
   */
  synchronized Handover handOver() {
    Handover h = new Handover(java.util.List.copyOf(buffers), finished, failure);
    buffers.clear();
    buffered = 0;
    finished = true;
    notifyAll();
    return h;
  }

  @Override
  public synchronized int available() {
    return buffered;
  }

  @Override
  public synchronized void close() {
    finished = true;
    buffers.forEach(ByteBuf::release);
    buffers.clear();
    buffered = 0;
    notifyAll();
  }
}
