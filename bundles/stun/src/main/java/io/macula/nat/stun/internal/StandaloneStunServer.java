package io.macula.nat.stun.internal;

import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunParseException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The STUN server on sockets of its own, outside a node: {@code --bind host:port} and, for RFC
 * 5780, {@code --alternate ip[:port]} (the port defaults to the bound port + 1). Prints "listening"
 * once every socket is bound.
 */
public final class StandaloneStunServer implements AutoCloseable {
  private final EventLoopGroup group = UdpSocket.newGroup(1);
  private final List<UdpSocket> sockets = new ArrayList<>();
  private final StunCounters counters = new StunCounters();
  private final BindingServer server;

  public StandaloneStunServer(InetSocketAddress bind, InetAddress alternate, int alternatePort) {
    List<BindingServer.Socket> all = new ArrayList<>();
    try {
      UdpSocket primary = UdpSocket.bind(group, bind, this::received);
      sockets.add(primary);
      all.add(new BindingServer.Socket(primary.localAddress(), primary));
      if (alternate != null) {
        int port = primary.localAddress().getPort();
        int altPort = alternatePort == 0 ? port + 1 : alternatePort;
        for (InetSocketAddress a : List.of(
            new InetSocketAddress(bind.getAddress(), altPort),
            new InetSocketAddress(alternate, port),
            new InetSocketAddress(alternate, altPort))) {
          UdpSocket s = UdpSocket.bind(group, a, this::received);
          sockets.add(s);
          all.add(new BindingServer.Socket(a, s));
        }
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    this.server = new BindingServer(all, BindingClient.SOFTWARE, counters);
  }

  public InetSocketAddress localAddress() {
    return sockets.get(0).localAddress();
  }

  /** Requests answered since start. */
  public long answered() {
    return counters.answered.sum();
  }

  private void received(InetSocketAddress at, InetSocketAddress sender, ByteBuf raw) {
    if (!StunCodec.looksLikeStun(raw)) {
      counters.drop(StunCounters.NOT_STUN);
      return;
    }
    try {
      StunMessage m = StunCodec.decode(raw);
      if (m.messageClass() == StunClass.REQUEST) {
        server.onRequest(at, sender, raw, m);
      } else {
        counters.drop(StunCounters.REQUEST_NOT_SERVED);
      }
    } catch (StunParseException e) {
      counters.drop(StunCounters.MALFORMED);
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
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--bind" -> {
          String v = args[++i];
          int colon = v.lastIndexOf(':');
          bind = new InetSocketAddress(v.substring(0, colon), Integer.parseInt(v.substring(colon + 1)));
        }
        case "--alternate" -> {
          String v = args[++i];
          int colon = v.lastIndexOf(':');
          if (colon > 0 && !v.contains("::")) {
            alternate = InetAddress.getByName(v.substring(0, colon));
            alternatePort = Integer.parseInt(v.substring(colon + 1));
          } else {
            alternate = InetAddress.getByName(v);
          }
        }
        default -> {
          System.err.println("usage: StandaloneStunServer [--bind host:port] [--alternate ip[:port]]");
          System.exit(2);
        }
      }
    }
    try (StandaloneStunServer s = new StandaloneStunServer(bind, alternate, alternatePort)) {
      System.out.println("listening on " + s.localAddress() + (alternate != null ? ", alternate " + alternate : ""));
      System.out.flush();
      new CountDownLatch(1).await();
    }
  }
}
