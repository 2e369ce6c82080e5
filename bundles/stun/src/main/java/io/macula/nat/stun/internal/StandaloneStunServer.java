package io.macula.nat.stun.internal;

import io.macula.nat.api.HostPort;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The STUN server on sockets of its own, outside a node: {@code --bind host:port} and, for RFC
 * 5780, {@code --alternate ip} with {@code --alternate-port port} (by default the bound port + 1).
 * Prints "listening" once every socket is bound.
 */
public final class StandaloneStunServer implements AutoCloseable {
  private final EventLoopGroup group = UdpSocket.newGroup(1);
  private final List<UdpSocket> sockets = new ArrayList<>();
  private final StunCounters counters = new StunCounters();
  private volatile BindingServer server;

  public StandaloneStunServer(InetSocketAddress bind, InetAddress alternate, int alternatePort) {
    List<BindingServer.Socket> all = new ArrayList<>();
    try {
      UdpSocket primary = UdpSocket.bind(group, bind, this::received);
      sockets.add(primary);
      all.add(new BindingServer.Socket(primary.localAddress(), primary));
      if (alternate != null) {
        int port = primary.localAddress().getPort();
        int altPort = alternatePort == 0 ? port + 1 : alternatePort;
        for (InetSocketAddress a : BindingServer.alternates(bind.getAddress(), port, alternate, altPort)) {
          UdpSocket s = UdpSocket.bind(group, a, this::received);
          sockets.add(s);
          all.add(new BindingServer.Socket(a, s));
        }
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    // A benchmark's load comes from one address: the standalone server sets no rate limit.
    this.server = new BindingServer(all, BindingClient.SOFTWARE, new SourceRateLimit(0, System::nanoTime), counters);
  }

  public InetSocketAddress localAddress() {
    return sockets.get(0).localAddress();
  }

  /** Requests answered since start. */
  public long answered() {
    return counters.answered.sum();
  }

  private void received(InetSocketAddress at, InetSocketAddress sender, ByteBuf raw) {
    BindingServer s = server;
    if (s != null) { // null only while the sockets are still being bound
      s.received(at, sender, raw);
    }
  }

  @Override
  public void close() {
    sockets.forEach(UdpSocket::close);
    UdpSocket.shutdown(group);
  }

  public static void main(String[] args) throws Exception {
    InetSocketAddress bind = new InetSocketAddress("0.0.0.0", 3478);
    InetAddress alternate = null;
    int alternatePort = 0;
    try {
      for (int i = 0; i < args.length; i++) {
        String option = args[i];
        if (i + 1 == args.length) {
          throw new IllegalArgumentException(option + " needs a value");
        }
        String value = args[++i];
        switch (option) {
          case "--bind" -> bind = HostPort.parse(value).resolved();
          case "--alternate" -> alternate = InetAddress.getByName(value);
          case "--alternate-port" -> alternatePort = Integer.parseInt(value);
          default -> throw new IllegalArgumentException("unknown option " + option);
        }
      }
    } catch (IllegalArgumentException | java.net.UnknownHostException e) {
      System.err.println(e.getMessage());
      System.err.println("usage: StandaloneStunServer [--bind host:port] [--alternate ip [--alternate-port port]]");
      System.exit(2);
    }
    try (StandaloneStunServer s = new StandaloneStunServer(bind, alternate, alternatePort)) {
      System.out.println("listening on " + s.localAddress() + (alternate != null ? ", alternate " + alternate : ""));
      System.out.flush();
      new CountDownLatch(1).await();
    }
  }
}
