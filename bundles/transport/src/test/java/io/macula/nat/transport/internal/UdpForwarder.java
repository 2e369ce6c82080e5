package io.macula.nat.transport.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * A UDP hop between a client and a server on loopback, as a NAT or a firewall on the path would
 * be, that a test can cut: then it drops everything, both ways, without a word (no ICMP).
 */
final class UdpForwarder implements AutoCloseable {
  private final DatagramChannel socket;
  private final InetSocketAddress server;
  private final Thread thread;
  private volatile boolean cut;
  /** The sizes of the datagrams the server sent through, in order. */
  final java.util.List<Integer> fromServer = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile SocketAddress client;

  UdpForwarder(InetSocketAddress server) throws IOException {
    this.server = server;
    this.socket = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    this.thread = new Thread(this::run, "udp-forwarder");
    thread.setDaemon(true);
    thread.start();
  }

  /** Where the client sends to reach the server. */
  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) socket.getLocalAddress();
  }

  /** From now on, nothing crosses. */
  void cut() {
    cut = true;
  }

  private void run() {
    ByteBuffer b = ByteBuffer.allocate(65_536);
    try {
      while (true) {
        b.clear();
        SocketAddress from = socket.receive(b);
        b.flip();
        if (cut) {
          continue;
        }
        if (from.equals(server)) {
          fromServer.add(b.remaining());
          if (client != null) {
            socket.send(b, client);
          }
        } else {
          client = from;
          socket.send(b, server);
        }
      }
    } catch (IOException e) {
      // closed: the forwarder is done
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
