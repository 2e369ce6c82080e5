package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerStream;
import io.macula.nat.transport.api.ConnectionAcceptor;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.ClientAuth;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Prints, in one run on loopback: throughput and round-trip p50/p99 of a QUIC connection over the
 * path layer's direct path, over the hub relay, and of the same QUIC stack with no path layer, and
 * the ratios. Run it with {@code mvn -q -pl bundles/transport test-compile exec:java@benchmark}.
 */
public final class TransportBenchmark {
  private static final InetSocketAddress LO = new InetSocketAddress("127.0.0.1", 0);
  private static final int MB = Integer.getInteger("benchmark.mb", 200);
  private static final int PINGS = Integer.getInteger("benchmark.pings", 3000);

  record Result(String name, double mbPerSecond, double p50Micros, double p99Micros) {}

  public static void main(String[] args) throws Exception {
    System.out.printf("transport benchmark: %d MB one way, %d round trips, %s, %d cores%n",
        MB, PINGS, Epoll.isAvailable() ? "epoll" : "NIO", Runtime.getRuntime().availableProcessors());
    Result plain = plainQuic();
    Result direct = pathLayer(false);
    Result relay = pathLayer(true);
    System.out.printf("%n%-28s %10s %10s %10s%n", "", "MB/s", "RTT p50", "RTT p99");
    for (Result r : new Result[] {plain, direct, relay}) {
      System.out.printf("%-28s %10.1f %8.0f µs %8.0f µs%n", r.name(), r.mbPerSecond(), r.p50Micros(), r.p99Micros());
    }
    System.out.printf("%npath layer cost: throughput %+.1f%%, round trip %+.0f µs (p50)%n",
        100 * (direct.mbPerSecond() / plain.mbPerSecond() - 1), direct.p50Micros() - plain.p50Micros());
    System.out.printf("hub relay keeps %.0f%% of the direct throughput%n", 100 * relay.mbPerSecond() / direct.mbPerSecond());
    System.exit(0);
  }

  /** The endpoint: QUIC beneath the path layer, direct or through a relay endpoint. */
  private static Result pathLayer(boolean relayed) throws Exception {
    BlockingQueue<QuicConnection> accepted = new ArrayBlockingQueue<>(1);
    ConnectionAcceptor acceptor = c -> {
      c.onStream(TransportBenchmark::serve);
      accepted.add(c);
    };
    TestRelay forward = new TestRelay();
    Map<NodeId, InetSocketAddress> directory = forward.directory;
    try (QuicEndpoint a = new QuicEndpoint(NodeIdentity.ephemeral(), QuicEndpoint.Settings.defaults(LO), p -> Optional.empty(), () -> null);
        QuicEndpoint b = new QuicEndpoint(NodeIdentity.ephemeral(), QuicEndpoint.Settings.defaults(LO),
            p -> p.equals(Endpoint.PEER_PROTOCOL) ? Optional.of(acceptor) : Optional.empty(), () -> null);
        QuicEndpoint hub = new QuicEndpoint(NodeIdentity.ephemeral(), QuicEndpoint.Settings.defaults(LO), p -> Optional.empty(), () -> forward)) {
      InetSocketAddress aAddr = loopback(a.localAddress());
      InetSocketAddress bAddr = loopback(b.localAddress());
      InetSocketAddress hubAddr = loopback(hub.localAddress());
      directory.put(a.localId(), aAddr);
      directory.put(b.localId(), bAddr);
      a.trustRelay(hubAddr, TestRelay.keyOf(a.localId()));
      b.trustRelay(hubAddr, TestRelay.keyOf(b.localId()));
      TransportPath path = relayed
          ? new TransportPath.Relayed(hubAddr, b.localId(), PathKind.HUB_RELAY)
          : new TransportPath.Direct(bAddr);
      QuicConnection c = a.connect(b.localId(), path, Endpoint.PEER_PROTOCOL).get(10, TimeUnit.SECONDS);
      accepted.poll(10, TimeUnit.SECONDS).switchPath(relayed
          ? new TransportPath.Relayed(hubAddr, a.localId(), PathKind.HUB_RELAY)
          : new TransportPath.Direct(aAddr));
      PeerStream bulk = c.openStream();
      double mbs = push(bulk.output(), bulk.input());
      PeerStream echo = c.openStream();
      double[] rtt = pingPong(echo.output(), new DataInputStream(echo.input()));
      return new Result(relayed ? "path layer, hub relay" : "path layer, direct", mbs, rtt[0], rtt[1]);
    }
  }

  /** The same QUIC settings and TLS, on two plain sockets with nothing between them and QUIC. */
  private static Result plainQuic() throws Exception {
    NodeIdentity si = NodeIdentity.ephemeral();
    NodeIdentity ci = NodeIdentity.ephemeral();
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    Class<? extends Channel> type = epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
    BlockingQueue<QuicPeerStream> inbound = new ArrayBlockingQueue<>(4);
    try {
      var serverTls = QuicSslContextBuilder.forServer(si.keys().getPrivate(), null, si.certificate())
          .trustManager(SelfSignedTrustManager.INSTANCE).clientAuth(ClientAuth.REQUIRE)
          .applicationProtocols(Endpoint.PEER_PROTOCOL).build();
      var clientTls = QuicSslContextBuilder.forClient().keyManager(ci.keys().getPrivate(), null, ci.certificate())
          .trustManager(SelfSignedTrustManager.INSTANCE).applicationProtocols(Endpoint.PEER_PROTOCOL).build();
      QuicEndpoint.Settings s = QuicEndpoint.Settings.defaults(LO);
      ChannelHandler server = QuicEndpoint.configure(new QuicServerCodecBuilder(), s).sslContext(serverTls)
          .tokenHandler(InsecureQuicTokenHandler.INSTANCE)
          .handler(new ChannelInboundHandlerAdapter() { @Override public boolean isSharable() { return true; } })
          .streamOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .streamHandler(new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel ch) {
              QuicPeerStream s = new QuicPeerStream(ch);
              ch.pipeline().addLast(s);
              inbound.add(s);
            }
          }).build();
      Channel serverChannel = new Bootstrap().group(group).channel(type)
          .option(ChannelOption.SO_RCVBUF, 4 << 20).option(ChannelOption.SO_SNDBUF, 4 << 20)
          .handler(server).bind(LO).sync().channel();
      Channel clientChannel = new Bootstrap().group(group).channel(type)
          .option(ChannelOption.SO_RCVBUF, 4 << 20).option(ChannelOption.SO_SNDBUF, 4 << 20)
          .handler(QuicEndpoint.configure(new QuicClientCodecBuilder(), s).sslContext(clientTls).build())
          .bind(LO).sync().channel();
      QuicChannel quic = QuicChannel.newBootstrap(clientChannel)
          .handler(new ChannelInboundHandlerAdapter())
          .streamHandler(new ChannelInboundHandlerAdapter())
          .remoteAddress(loopback((InetSocketAddress) serverChannel.localAddress()))
          .connect().get(10, TimeUnit.SECONDS);
      QuicStreamChannel out = quic.newStreamBootstrap()
          .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .handler(new ChannelInboundHandlerAdapter()).create().get(10, TimeUnit.SECONDS);
      QuicPeerStream bulk = attach(out);
      CompletableFuture.runAsync(() -> serve(take(inbound)));
      // The server's stream exists once the first bytes arrive; push() writes them.
      double mbs = push(bulk.output(), bulk.input());
      QuicStreamChannel out2 = quic.newStreamBootstrap().option(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .handler(new ChannelInboundHandlerAdapter()).create().get(10, TimeUnit.SECONDS);
      QuicPeerStream echo = attach(out2);
      CompletableFuture<Void> echoServer = CompletableFuture.runAsync(() -> serve(take(inbound)));
      double[] rtt = pingPong(echo.output(), new DataInputStream(echo.input()));
      quic.close().sync();
      serverChannel.close().sync();
      clientChannel.close().sync();
      echoServer.cancel(true);
      return new Result("QUIC, no path layer", mbs, rtt[0], rtt[1]);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private static QuicPeerStream take(BlockingQueue<QuicPeerStream> q) {
    try {
      return q.poll(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static QuicPeerStream attach(QuicStreamChannel ch) {
    QuicPeerStream s = new QuicPeerStream(ch);
    try {
      ch.eventLoop().submit(() -> ch.pipeline().addLast(s)).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return s;
  }

  /**
   * The far end: the first byte says what to do. 'B' (bulk): read to the end, answer one byte.
   * 'E' (echo): send back every 8 bytes.
   */
  private static void serve(PeerStream s) {
    try (s) {
      InputStream in = s.input();
      OutputStream out = s.output();
      int kind = in.read();
      byte[] buf = new byte[64 << 10];
      if (kind == 'B') {
        while (in.read(buf) > 0) {
          // drain
        }
        out.write(1);
      } else {
        while (in.readNBytes(buf, 0, 8) == 8) {
          out.write(buf, 0, 8);
          out.flush();
        }
      }
      out.close();
    } catch (Exception e) {
      // the benchmark ended the stream
    }
  }

  private static double push(OutputStream out, InputStream in) throws Exception {
    byte[] chunk = new byte[64 << 10];
    Arrays.fill(chunk, (byte) 7);
    out.write('B');
    long start = System.nanoTime();
    long total = (long) MB << 20;
    for (long sent = 0; sent < total; sent += chunk.length) {
      out.write(chunk);
    }
    out.close();
    if (in.read() != 1) {
      throw new IllegalStateException("the far end did not confirm the transfer");
    }
    return MB / ((System.nanoTime() - start) / 1e9);
  }

  private static double[] pingPong(OutputStream out, DataInputStream in) throws Exception {
    out.write('E');
    long[] samples = new long[PINGS];
    byte[] probe = new byte[8];
    for (int i = 0; i < PINGS + 200; i++) {
      long t = System.nanoTime();
      java.nio.ByteBuffer.wrap(probe).putLong(t);
      out.write(probe);
      out.flush();
      if (in.readLong() != t) {
        throw new IllegalStateException("the echo answered another probe");
      }
      if (i >= 200) {
        samples[i - 200] = System.nanoTime() - t; // the first 200 warm up
      }
    }
    out.close();
    Arrays.sort(samples);
    return new double[] {samples[PINGS / 2] / 1e3, samples[PINGS * 99 / 100] / 1e3};
  }

  private static InetSocketAddress loopback(InetSocketAddress a) {
    return new InetSocketAddress("127.0.0.1", a.getPort());
  }

}
