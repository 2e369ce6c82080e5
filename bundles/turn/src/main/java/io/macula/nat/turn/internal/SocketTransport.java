package io.macula.nat.turn.internal;

import io.macula.nat.api.SharedSocket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;

/**
 * TURN over UDP from the node's own socket: the server sees the node at the address QUIC uses,
 * and what the server sends back (answers, Data indications, ChannelData) is claimed on the socket
 * for the client before STUN or QUIC see it.
 */
final class SocketTransport implements TurnTransport, AutoCloseable {
  private final SharedSocket socket;
  private final InetSocketAddress server;
  private volatile SharedSocket.Claim claim;

  SocketTransport(SharedSocket socket, InetSocketAddress server) {
    this.socket = socket;
    this.server = server;
  }

  /** Hands the server's datagrams to {@code client} from now on. */
  void deliverTo(TurnClient client) {
    claim = socket.claim(server, datagram -> client.received(Unpooled.wrappedBuffer(datagram)));
  }

  @Override
  public void send(ByteBuf message) {
    try {
      socket.send(server, message.nioBuffer(message.readerIndex(), message.readableBytes()));
    } finally {
      message.release();
    }
  }

  @Override
  public boolean reliable() {
    return false;
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
  public void close() {
    SharedSocket.Claim c = claim;
    if (c != null) {
      c.close();
    }
  }
}
