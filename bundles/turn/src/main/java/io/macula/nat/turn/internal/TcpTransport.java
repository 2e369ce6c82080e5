package io.macula.nat.turn.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * TURN to a server over one TCP connection, RFC 8656 §12.5: where UDP is blocked, most networks
 * still let TCP out. Messages are written whole and read back through a {@link StreamFramer}.
 */
final class TcpTransport implements TurnTransport, AutoCloseable {
  private final SocketChannel channel;
  private final InetSocketAddress server;
  private final Thread reader;
  private volatile Consumer<ByteBuf> receiver = b -> { };

  private TcpTransport(SocketChannel channel, InetSocketAddress server) {
    this.channel = channel;
    this.server = server;
    this.reader = new Thread(this::read, "nat-turn-tcp");
    reader.setDaemon(true);
  }

  static TcpTransport connect(InetSocketAddress server) throws IOException {
    TcpTransport t = new TcpTransport(SocketChannel.open(server), server);
    t.channel.socket().setTcpNoDelay(true);
    t.reader.start();
    return t;
  }

  /** Where the server's messages go, one at a time, each valid only during the call. */
  void receiver(Consumer<ByteBuf> receiver) {
    this.receiver = receiver;
  }

  @Override
  public synchronized void send(ByteBuf message) {
    try {
      ByteBuffer b = message.nioBuffer();
      while (b.hasRemaining()) {
        channel.write(b);
      }
    } catch (IOException e) {
      close(); // the transactions fail on their deadline
    } finally {
      message.release();
    }
  }

  @Override
  public boolean reliable() {
    return true;
  }

  @Override
  public InetSocketAddress server() {
    return server;
  }

  @Override
  public String name() {
    return "tcp";
  }

  private void read() {
    StreamFramer framer = new StreamFramer(m -> receiver.accept(m));
    ByteBuffer buf = ByteBuffer.allocate(65536);
    try {
      while (channel.read(buf) >= 0) {
        buf.flip();
        framer.received(Unpooled.wrappedBuffer(buf));
        buf.clear();
      }
    } catch (IOException | IllegalStateException e) {
      // the connection ended, or carried something that is not TURN: it is closed below
    }
    close();
  }

  InetSocketAddress localAddress() throws IOException {
    return (InetSocketAddress) channel.getLocalAddress();
  }

  boolean isOpen() {
    return channel.isOpen();
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // closed already
    }
  }
}
