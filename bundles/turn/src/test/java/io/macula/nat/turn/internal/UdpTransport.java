package io.macula.nat.turn.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.function.Consumer;

/** A TURN client's UDP socket of its own, for tests: what the server sends goes to the client. */
final class UdpTransport implements TurnTransport, AutoCloseable {
  private final DatagramSocket socket;
  private final InetSocketAddress server;
  private final Thread reader;
  private volatile Consumer<ByteBuf> receiver = b -> { };

  UdpTransport(InetSocketAddress server) throws SocketException {
    this.server = server;
    this.socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    this.reader = new Thread(this::read, "turn-test-udp");
    reader.setDaemon(true);
    reader.start();
  }

  void receiver(Consumer<ByteBuf> receiver) {
    this.receiver = receiver;
  }

  InetSocketAddress localAddress() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  @Override
  public void send(ByteBuf message) {
    try {
      byte[] bytes = new byte[message.readableBytes()];
      message.readBytes(bytes);
      socket.send(new DatagramPacket(bytes, bytes.length, server));
    } catch (IOException e) {
      // a lost datagram: the transaction sends it again
    } finally {
      message.release();
    }
  }

  @Override
  public InetSocketAddress server() {
    return server;
  }

  @Override
  public String name() {
    return "udp";
  }

  @Override
  public boolean reliable() {
    return false;
  }

  private void read() {
    byte[] buf = new byte[65536];
    while (!socket.isClosed()) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(p);
      } catch (IOException e) {
        return;
      }
      if (server.equals(p.getSocketAddress())) {
        receiver.accept(Unpooled.wrappedBuffer(buf, 0, p.getLength()));
      }
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
