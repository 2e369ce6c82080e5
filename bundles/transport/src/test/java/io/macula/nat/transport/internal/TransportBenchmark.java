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
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prints, in one run on loopback: the throughput of raw UDP (the machine's ceiling, measured here
 * in the same run), of QUIC with no path layer, of QUIC over the path layer's direct path and over
 * the hub relay; each the median of the trials (min and max beside it) after one warm-up, the
 * configurations taking turns trial by trial so that a change in the machine's load touches them
 * alike; the CPU time the process spent per MB carried (both ends, and the relay, are this
 * process); each throughput as a ratio to raw UDP; then round-trip p50/p99, and the p50/p95 of fresh
 * connects over the path layer. Run it with
 * {@code mvn -q -pl bundles/transport test-compile exec:java@benchmark}
 * ({@code -Dbenchmark.mb=100}, {@code -Dbenchmark.trials=5}, {@code -Dbenchmark.pings=3000}).
 */
public final class TransportBenchmark {
  private static final InetSocketAddress LO = new InetSocketAddress("127.0.0.1", 0);
  private static final int MB = Integer.getInteger("benchmark.mb", 100);
  private static final int TRIALS = Integer.getInteger("benchmark.trials", 5);
  private static final int PINGS = Integer.getInteger("benchmark.pings", 3000);
  private static final int CONNECTS = Integer.getInteger("benchmark.connects", 50);
  /** A datagram as large as the QUIC packets on these paths. */
  private static final int DATAGRAM = 1400;

  /** One configuration under test: a bulk transfer of MB megabytes, and a round-trip measurement. */
  interface Subject extends AutoCloseable {
    String name();

    /** Carries MB megabytes; returns MB/s. */
    double transfer() throws Exception;

    /** Round-trip p50 and p99 in µs, or none (raw UDP has no echo). */
    double[] roundTrips() throws Exception;

    /** Connect times p50 and p95 in ms over CONNECTS fresh connections, or none. */
    default double[] connects() throws Exception {
      return null;
    }

    /** Whose each thread's CPU time is: the sending end's, the receiving end's, the relay's. */
    Sides sides() throws Exception;
  }

  /**
   * The event-loop threads of the sending end, the receiving end and the relay (0: none). The
   * thread that writes is the sender's; the one that reads ({@link #servingThread}) the receiver's.
   */
  record Sides(long senderLoop, long receiverLoop, long relayLoop) {}

  /** The thread that read the last transfer at the receiving end. */
  private static volatile long servingThread;
  /** The CPU time of a receiving thread that ended with its transfer (raw UDP's). */
  private static volatile long endedReceiverCpuNanos;

  /** CPU ms per MB carried: the process's (GC and JIT too), and each side's threads'. */
  record Cpu(double process, double sender, double receiver, double relay) {}

  record Figures(double[] mbPerSecond, Cpu[] cpu, double[] rtt) {}

  public static void main(String[] args) throws Exception {
    System.out.printf("transport benchmark: %d MB a transfer, %d trials after 1 warm-up, %d round trips, %s, %d cores%n",
        MB, TRIALS, PINGS, Epoll.isAvailable() ? "epoll" : "NIO", Runtime.getRuntime().availableProcessors());
    List<Subject> subjects = List.of(new RawUdp(), plainQuic(), pathLayer(false), pathLayer(true));
    Map<String, Figures> figures = new LinkedHashMap<>();
    for (Subject s : subjects) {
      figures.put(s.name(), new Figures(new double[TRIALS], new Cpu[TRIALS], null));
    }
    for (int trial = -1; trial < TRIALS; trial++) { // trial -1 warms up
      for (Subject s : subjects) {
        long cpu = processCpuNanos();
        endedReceiverCpuNanos = 0;
        Map<Long, Long> threads = threadCpuNanos();
        double mbs = s.transfer();
        double process = (processCpuNanos() - cpu) / 1e6 / MB;
        Cpu bySide = bySide(s.sides(), threads, threadCpuNanos(), process);
        if (trial >= 0) {
          figures.get(s.name()).mbPerSecond()[trial] = mbs;
          figures.get(s.name()).cpu()[trial] = bySide;
        }
      }
    }
    Map<String, double[]> connects = new LinkedHashMap<>();
    for (Subject s : subjects) {
      Figures f = figures.get(s.name());
      figures.put(s.name(), new Figures(f.mbPerSecond(), f.cpu(), s.roundTrips()));
      double[] c = s.connects();
      if (c != null) {
        connects.put(s.name(), c);
      }
      s.close();
    }
    double ceiling = median(figures.get(RawUdp.NAME).mbPerSecond());
    System.out.printf("%n%-24s %24s %10s %30s %10s %10s%n", "", "MB/s median (min-max)", "÷ raw UDP",
        "CPU ms/MB: all send recv relay", "RTT p50", "RTT p99");
    figures.forEach((name, f) -> {
      double[] sorted = f.mbPerSecond().clone();
      Arrays.sort(sorted);
      String rtt = f.rtt() == null ? String.format("%10s %10s", "-", "-")
          : String.format("%7.0f µs %7.0f µs", f.rtt()[0], f.rtt()[1]);
      Cpu[] c = f.cpu();
      System.out.printf("%-24s %8.1f (%6.1f-%6.1f) %10.2f %12.2f %5.2f %5.2f %5s %s%n", name,
          median(f.mbPerSecond()), sorted[0], sorted[sorted.length - 1], median(f.mbPerSecond()) / ceiling,
          median(c, Cpu::process), median(c, Cpu::sender), median(c, Cpu::receiver),
          name.equals(RELAY) ? String.format("%5.2f", median(c, Cpu::relay)) : "-", rtt);
    });
    System.out.println("(all: the process, GC and JIT too; send, recv: each end's event loop and the thread that"
        + " writes or reads the stream; relay: the relay's event loop)");
    System.out.printf("%n%-24s %10s %10s   (%d fresh connections each, after 10 to warm up; QUIC and TLS with both"
        + " certificates checked)%n", "connect", "p50", "p95", CONNECTS);
    connects.forEach((name, c) -> System.out.printf("%-24s %7.2f ms %7.2f ms%n", name, c[0], c[1]));
    double plain = median(figures.get(PLAIN).mbPerSecond());
    double direct = median(figures.get(DIRECT).mbPerSecond());
    double relay = median(figures.get(RELAY).mbPerSecond());
    System.out.printf("%npath layer cost: throughput %+.1f%% against QUIC alone (goal: under 5%%)%n",
        100 * (direct / plain - 1));
    System.out.printf("QUIC over the direct path: %.2fx raw UDP (goal: 0.4x or more)%n", direct / ceiling);
    System.out.printf("hub relay: %.2fx the direct path (goal: 0.8x or more)%n", relay / direct);
    System.exit(0);
  }

  private static final String PLAIN = "QUIC, no path layer";
  private static final String DIRECT = "path layer, direct";
  private static final String RELAY = "path layer, hub relay";

  /** Each live thread's CPU time so far, by thread id. */
  private static Map<Long, Long> threadCpuNanos() {
    java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
    Map<Long, Long> cpu = new java.util.HashMap<>();
    for (long id : bean.getAllThreadIds()) {
      cpu.put(id, bean.getThreadCpuTime(id)); // -1 for a thread that ended meanwhile
    }
    return cpu;
  }

  /** The CPU each side's threads spent between the two snapshots, in ms per MB carried. */
  private static Cpu bySide(Sides sides, Map<Long, Long> before, Map<Long, Long> after, double process) {
    long sender = Thread.currentThread().getId();
    double[] ms = new double[3];
    after.forEach((id, nanos) -> {
      long spent = Math.max(0, nanos - Math.max(0, before.getOrDefault(id, 0L)));
      int side = id == sender || id == sides.senderLoop() ? 0
          : id == sides.receiverLoop() || id == servingThread ? 1 : id == sides.relayLoop() ? 2 : -1;
      if (side >= 0) {
        ms[side] += spent / 1e6 / MB;
      }
    });
    return new Cpu(process, ms[0], ms[1] + endedReceiverCpuNanos / 1e6 / MB, ms[2]);
  }

  private static double median(Cpu[] values, java.util.function.ToDoubleFunction<Cpu> field) {
    return median(Arrays.stream(values).mapToDouble(field).toArray());
  }

  /** The thread of an event loop. */
  private static long threadOf(io.netty.channel.EventLoop loop) throws Exception {
    return loop.submit(() -> Thread.currentThread().getId()).get(10, TimeUnit.SECONDS);
  }

  /** CPU time of every thread of this process so far. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /**
   * The ceiling: this thread sends DATAGRAM-byte datagrams as fast as it can to another that
   * receives them, on loopback with the socket buffers the endpoints ask for; what arrives counts.
   */
  static final class RawUdp implements Subject {
    static final String NAME = "raw UDP, 1400 B";

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public double transfer() throws Exception {
      try (DatagramChannel rx = DatagramChannel.open(); DatagramChannel tx = DatagramChannel.open()) {
        rx.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20).bind(LO);
        tx.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20).bind(LO).connect(rx.getLocalAddress());
        AtomicLong received = new AtomicLong();
        long[] last = new long[1];
        Thread receiver = new Thread(() -> {
          ByteBuffer buf = ByteBuffer.allocateDirect(2048);
          try {
            while (true) {
              buf.clear();
              rx.receive(buf);
              received.addAndGet(buf.position());
              last[0] = System.nanoTime();
            }
          } catch (java.io.IOException closed) {
            // the transfer is over: the thread ends, and its CPU time with it, unless told
            endedReceiverCpuNanos = java.lang.management.ManagementFactory.getThreadMXBean()
                .getCurrentThreadCpuTime();
          }
        }, "raw-udp-receiver");
        receiver.start();
        servingThread = receiver.getId();
        long start = System.nanoTime();
        ByteBuffer out = ByteBuffer.allocateDirect(DATAGRAM);
        for (long sent = 0, total = (long) MB << 20; sent < total; sent += DATAGRAM) {
          out.clear();
          tx.write(out);
        }
        // What the receive buffer still holds arrives within moments; what was lost never will.
        long seen;
        do {
          seen = received.get();
          Thread.sleep(100);
        } while (received.get() != seen);
        rx.close();
        receiver.join();
        return received.get() / 1048576.0 / ((last[0] - start) / 1e9);
      }
    }

    @Override
    public double[] roundTrips() {
      return null;
    }

    @Override
    public Sides sides() {
      return new Sides(0, 0, 0); // the writer is the sender, the receiving thread is the receiver
    }

    @Override
    public void close() {}
  }

  /** The endpoint: QUIC beneath the path layer, direct or through a relay endpoint. */
  private static Subject pathLayer(boolean relayed) throws Exception {
    BlockingQueue<QuicConnection> accepted = new ArrayBlockingQueue<>(1);
    ConnectionAcceptor acceptor = c -> {
      c.onStream(TransportBenchmark::serve);
      accepted.offer(c); // the first is the one measured; the connects' fresh ones go unkept
    };
    TestRelay forward = new TestRelay();
    Map<NodeId, InetSocketAddress> directory = forward.directory;
    QuicEndpoint a = new QuicEndpoint(NodeIdentity.ephemeral(), QuicEndpoint.Settings.defaults(LO), p -> Optional.empty(), () -> null);
    QuicEndpoint b = new QuicEndpoint(NodeIdentity.ephemeral(), QuicEndpoint.Settings.defaults(LO),
        p -> p.equals(Endpoint.PEER_PROTOCOL) ? Optional.of(acceptor) : Optional.empty(), () -> null);
    QuicEndpoint hub = new QuicEndpoint(NodeIdentity.ephemeral(), QuicEndpoint.Settings.defaults(LO), p -> Optional.empty(), () -> forward);
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
    return new Subject() {
      @Override
      public String name() {
        return relayed ? RELAY : DIRECT;
      }

      @Override
      public double transfer() throws Exception {
        PeerStream bulk = c.openStream();
        return push(bulk.output(), bulk.input());
      }

      @Override
      public double[] roundTrips() throws Exception {
        PeerStream echo = c.openStream();
        return pingPong(echo.output(), new DataInputStream(echo.input()));
      }

      @Override
      public Sides sides() throws Exception {
        return new Sides(threadOf(a.eventLoop()), threadOf(b.eventLoop()), relayed ? threadOf(hub.eventLoop()) : 0);
      }

      @Override
      public double[] connects() throws Exception {
        double[] ms = new double[CONNECTS];
        for (int i = -10; i < CONNECTS; i++) {
          long start = System.nanoTime();
          QuicConnection fresh = a.connect(b.localId(), path, Endpoint.PEER_PROTOCOL).get(10, TimeUnit.SECONDS);
          if (i >= 0) {
            ms[i] = (System.nanoTime() - start) / 1e6;
          }
          fresh.close();
        }
        Arrays.sort(ms);
        return new double[] {ms[CONNECTS / 2], ms[CONNECTS * 95 / 100]};
      }

      @Override
      public void close() throws Exception {
        a.close();
        b.close();
        hub.close();
      }
    };
  }

  /** The same QUIC settings, TLS and socket options, on two plain sockets with nothing between them and QUIC. */
  private static Subject plainQuic() throws Exception {
    NodeIdentity si = NodeIdentity.ephemeral();
    NodeIdentity ci = NodeIdentity.ephemeral();
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    Class<? extends Channel> type = epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
    BlockingQueue<QuicPeerStream> inbound = new ArrayBlockingQueue<>(4);
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
    Channel serverChannel = QuicEndpoint.socketOptions(new Bootstrap().group(group).channel(type), epoll)
        .handler(server).bind(LO).sync().channel();
    Channel clientChannel = QuicEndpoint.socketOptions(new Bootstrap().group(group).channel(type), epoll)
        .handler(QuicEndpoint.configure(new QuicClientCodecBuilder(), s).sslContext(clientTls).build())
        .bind(LO).sync().channel();
    QuicChannel quic = QuicChannel.newBootstrap(clientChannel)
        .handler(new ChannelInboundHandlerAdapter())
        .streamHandler(new ChannelInboundHandlerAdapter())
        .remoteAddress(loopback((InetSocketAddress) serverChannel.localAddress()))
        .connect().get(10, TimeUnit.SECONDS);
    return new Subject() {
      @Override
      public String name() {
        return PLAIN;
      }

      /** The server's stream exists once the first bytes arrive; push() writes them. */
      private QuicPeerStream served() throws Exception {
        QuicPeerStream stream = attach(quic.newStreamBootstrap().option(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .handler(new ChannelInboundHandlerAdapter()).create().get(10, TimeUnit.SECONDS));
        CompletableFuture.runAsync(() -> serve(take(inbound)));
        return stream;
      }

      @Override
      public double transfer() throws Exception {
        QuicPeerStream bulk = served();
        return push(bulk.output(), bulk.input());
      }

      @Override
      public double[] roundTrips() throws Exception {
        QuicPeerStream echo = served();
        return pingPong(echo.output(), new DataInputStream(echo.input()));
      }

      @Override
      public Sides sides() throws Exception {
        return new Sides(threadOf(clientChannel.eventLoop()), threadOf(serverChannel.eventLoop()), 0);
      }

      @Override
      public void close() throws Exception {
        quic.close().sync();
        serverChannel.close().sync();
        clientChannel.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      }
    };
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
    servingThread = Thread.currentThread().getId();
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
