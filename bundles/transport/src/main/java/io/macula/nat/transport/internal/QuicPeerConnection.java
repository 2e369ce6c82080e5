package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * An authenticated QUIC connection to a peer, over the peer's route. It is also the handler of
 * its channel's datagrams and closing.
 */
final class QuicPeerConnection extends ChannelInboundHandlerAdapter implements QuicConnection {
  private static final Duration STREAM_OPEN_TIMEOUT = Duration.ofSeconds(10);

  private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();

  private final long id = IDS.incrementAndGet();
  private final QuicChannel channel;
  private final NodeId peer;
  private final Route route;
  private final Routes routes;
  private final String protocol;
  private final Executor callbacks;
  private final Consumer<QuicPeerConnection> onClose;

  private static final int MAX_WAITING_STREAMS = 16;

  /** Guarded by this. */
  private Consumer<PeerStream> streamHandler;

  /** Guarded by this: streams that arrived before a handler was set. */
  private final List<QuicPeerStream> waiting = new ArrayList<>();

  private volatile Consumer<byte[]> datagramHandler;
  private volatile Duration lastRtt;
  private final KeepAlive keepAlive;
  /** Whether the peer opened this connection as a session with this node as its hub; set once, before it is listed. */
  volatile boolean hubSession;
  /** How long a first question for the round trip waits for QUIC's statistics. */
  private static final Duration FIRST_RTT_WAIT = Duration.ofMillis(200);
  private final DropCounters drops;

  QuicPeerConnection(
      QuicChannel channel,
      NodeId peer,
      Route route,
      Routes routes,
      String protocol,
      Executor callbacks,
      Duration idleTimeout,
      DropCounters drops,
      Consumer<QuicPeerConnection> onClose) {
    this.drops = drops;
    this.channel = channel;
    this.peer = peer;
    this.route = route;
    this.routes = routes;
    this.protocol = protocol;
    this.callbacks = callbacks;
    this.onClose = onClose;
    this.keepAlive = KeepAlive.start(channel, idleTimeout);
  }

  /** The empty datagrams sent so far to keep the idle connection open. */
  long keepAlivesSent() {
    return keepAlive.sent();
  }

  QuicChannel channel() {
    return channel;
  }

  Route route() {
    return route;
  }

  @Override
  public NodeId peer() {
    return peer;
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public String protocol() {
    return protocol;
  }

  @Override
  public TransportPath path() {
    return route.path();
  }

  @Override
  public void switchPath(TransportPath path) {
    switchPath(path, "switched");
  }

  @Override
  public void addPath(TransportPath path) {
    routes.addPath(route, path);
  }

  @Override
  public void switchPath(TransportPath path, String reason) {
    routes.switchPath(route, path, reason);
  }

  @Override
  public java.util.List<io.macula.nat.transport.api.PathMove> pathMoves() {
    return route.moves();
  }

  @Override
  public void pinPath(TransportPath path) {
    route.pinned = true;
    routes.switchPath(route, path, "an operator's choice (pinned)");
  }

  @Override
  public java.util.Optional<java.time.Duration> pathUnansweredFor() {
    Route.Probing p = route.probing;
    if (p == null || p.transaction == null || p.path != route.path()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(java.time.Duration.ofNanos(System.nanoTime() - p.unansweredSince));
  }

  @Override
  public java.util.List<io.macula.nat.transport.api.AlternativePath> alternatives() {
    return PathProber.alternatives(route, System.nanoTime());
  }

  @Override
  public boolean isPathPinned() {
    return route.pinned;
  }

  @Override
  public long bytesSent() {
    return route.bytesSent.sum();
  }

  @Override
  public long bytesReceived() {
    return route.bytesReceived.sum();
  }

  @Override
  public void keepAlive() {
    keepAlive.now();
  }

  @Override
  public PeerStream openStream() throws IOException {
    try {
      QuicStreamChannel stream =
          channel
              .newStreamBootstrap()
              .type(QuicStreamType.BIDIRECTIONAL)
              .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
              .handler(new ChannelInboundHandlerAdapter())
              .create()
              .get(STREAM_OPEN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return attach(stream);
    } catch (ExecutionException e) {
      throw new IOException("cannot open a stream to " + peer.shortForm() + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("no stream to " + peer.shortForm() + " within " + STREAM_OPEN_TIMEOUT.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while opening a stream");
    }
  }

  /** Puts the stream's handler in its pipeline; the caller is on any thread. */
  private QuicPeerStream attach(QuicStreamChannel stream) throws IOException {
    QuicPeerStream s = new QuicPeerStream(stream);
    try {
      stream.eventLoop().submit(() -> stream.pipeline().addLast(s)).get();
    } catch (ExecutionException | InterruptedException e) {
      stream.close();
      throw new IOException("cannot set up the stream: " + e, e);
    }
    return s;
  }

  /**
   * A stream the peer opened: handed to the application. Until it sets a handler, a few streams
   * wait (a peer may open one the moment the connection is up); beyond those, they are refused.
   */
  void accepted(QuicStreamChannel stream) {
    QuicPeerStream s = new QuicPeerStream(stream);
    stream.pipeline().addLast(s);
    Consumer<PeerStream> handler;
    synchronized (this) {
      handler = streamHandler;
      if (handler == null) {
        if (waiting.size() < MAX_WAITING_STREAMS) {
          waiting.add(s);
        } else {
          s.close();
        }
        return;
      }
    }
    callbacks.execute(() -> handler.accept(s));
  }

  @Override
  public void onStream(Consumer<PeerStream> handler) {
    List<QuicPeerStream> ready;
    synchronized (this) {
      this.streamHandler = handler;
      ready = List.copyOf(waiting);
      waiting.clear();
    }
    for (QuicPeerStream s : ready) {
      callbacks.execute(() -> handler.accept(s));
    }
  }

  @Override
  public boolean sendDatagram(byte[] data) {
    if (!channel.isActive() || data.length > maxDatagramSize()) {
      return false;
    }
    channel.writeAndFlush(PeerDatagram.application(data), channel.voidPromise());
    return true;
  }

  @Override
  public void onDatagram(Consumer<byte[]> handler) {
    this.datagramHandler = handler;
  }

  @Override
  public int maxDatagramSize() {
    Integer max = channel.attr(QuicEndpoint.MAX_DATAGRAM).get();
    return max == null ? 0 : Math.max(0, max - PeerDatagram.OVERHEAD);
  }

  @Override
  public Optional<Duration> roundTripTime() {
    io.netty.util.concurrent.Future<?> stats = channel.collectPathStats(0);
    stats.addListener(f -> {
      if (f.isSuccess()) {
        lastRtt = rtt(f.getNow());
      }
    });
    if (lastRtt == null && !channel.eventLoop().inEventLoop()) {
      // None measured yet: the first, collected on the connection's thread, is worth a brief wait.
      stats.awaitUninterruptibly(FIRST_RTT_WAIT.toMillis());
    }
    if (stats.isSuccess()) {
      lastRtt = rtt(stats.getNow()); // this question's answer, not the last one's
    }
    return Optional.ofNullable(lastRtt);
  }

  private static Duration rtt(Object pathStats) {
    return Duration.ofNanos(((io.netty.handler.codec.quic.QuicConnectionPathStats) pathStats).rtt());
  }

  @Override
  public boolean isOpen() {
    return channel.isActive();
  }

  @Override
  public void close() {
    channel.close();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf datagram) {
      try {
        Consumer<byte[]> handler = datagramHandler;
        byte kind = datagram.isReadable() ? datagram.readByte() : -1;
        if (kind != PeerDatagram.APPLICATION && kind != PeerDatagram.KEEP_ALIVE) {
          drops.drop(DropCounters.UNKNOWN_DATAGRAM);
        } else if (kind == PeerDatagram.APPLICATION && handler != null) {
          byte[] data = ByteBufUtil.getBytes(datagram);
          callbacks.execute(() -> handler.accept(data));
        }
      } finally {
        datagram.release();
      }
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    onClose.accept(this);
    ctx.fireChannelInactive();
  }

  @Override
  public String toString() {
    return protocol + " connection with " + peer.shortForm() + " over " + route.path();
  }
}
