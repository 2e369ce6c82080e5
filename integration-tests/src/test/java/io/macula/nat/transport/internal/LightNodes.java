package io.macula.nat.transport.internal;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeId;
import io.macula.nat.hub.protocol.HubCodec;
import io.macula.nat.hub.protocol.HubMessage;
import io.macula.nat.transport.api.Endpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicSslEngine;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Many light nodes in one process, for the hub scale benchmark: each with its own identity and UDP
 * socket (a hub takes one node per address), all on a few shared event loops and one TLS context that
 * presents each node's own certificate. A light node registers, keeps its sessions alive as a node
 * does (QUIC keep-alives, and at home a ping every tenth time), checks its paths to its hubs with
 * path probes (a node's consent checks, every 4 to 6 s; its retries and the probes of quiet paths
 * are left out), answers any probe a hub sends, and signals:
 * the real hub protocol over real QUIC, without a node's threads, tables and strategies.
 */
public final class LightNodes implements AutoCloseable {
  private final EventLoopGroup loops;
  private final QuicSslContext tls;
  /** Whose certificate each TLS engine presents: filled as an engine is made, emptied once it shook hands. */
  private final Map<SSLEngine, NodeIdentity> byEngine = new ConcurrentHashMap<>();
  private final QuicEndpoint.Settings settings = QuicEndpoint.Settings.defaults(new InetSocketAddress("127.0.0.1", 0));
  public final LongAdder pongs = new LongAdder();
  /** QUIC keep-alives sent, home and standby: the hub's QUIC acknowledges each, its application sees none. */
  public final LongAdder keepAlives = new LongAdder();
  /** The hubs' path probes the light nodes answered: none, as a hub leaves its nodes' sessions to their probes. */
  public final LongAdder probesAnswered = new LongAdder();
  /** The light nodes' own path probes the hubs answered. */
  public final LongAdder hubsAnswered = new LongAdder();
  /** Sessions that ended after they registered: the hub closed them, or their connection timed out. */
  public final LongAdder sessionsLost = new LongAdder();

  /** A standby keeps alive this many times less often than a home session, as a node's does. */
  private static final int STANDBY_PING_FACTOR = 5;
  /** A home session asks for a pong every this many keep-alives, as a node's does (three misses). */
  private static final int PING_EVERY = 10;

  /** How often each session keeps alive: a node's hub session does so every keepalive_ms (1 s by default). */
  private final Duration pingEvery;

  public LightNodes(int threads, Duration pingEvery) {
    this.pingEvery = pingEvery;
    this.loops = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
    this.tls = QuicSslContextBuilder.forClient()
        .keyManager(new KeyManagerFactoryWrapper(new KeyPerEngine()), null)
        .trustManager(SelfSignedTrustManager.INSTANCE)
        .applicationProtocols(Endpoint.HUB_PROTOCOL)
        .build();
  }

  /** A node's key pair and the self-signed certificate it presents: its id is the key's. */
  public static final class Identity {
    private final NodeIdentity value = NodeIdentity.ephemeral();

    public NodeId id() {
      return value.id();
    }
  }

  /**
   * Connects a light node to the hub and registers it; {@code signals} hears every signal it gets
   * (sender, payload), on its event loop.
   */
  public CompletableFuture<Node> register(Identity identity, InetSocketAddress hub, NodeId hubId,
      BiConsumer<Node, HubMessage.Signal> signals) {
    Node node = new Node(identity.value, signals);
    node.connect(hub, hubId);
    return node.registered.whenComplete((n, failure) -> {
      if (failure != null) {
        node.close(); // its socket too: a node that never registered has no use for it
      }
    });
  }

  @Override
  public void close() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** One light node: its socket, its QUIC connection to the hub and its session stream. */
  public final class Node {
    private final NodeIdentity identity;
    private final BiConsumer<Node, HubMessage.Signal> signals;
    private final HubDatagrams probes;
    private final CompletableFuture<Node> registered = new CompletableFuture<>();
    private Channel socket;
    private QuicChannel quic;
    /** The hub this node is homed at. */
    private InetSocketAddress hubAt;
    /** The connection that stands by at another hub, its session stream and keep-alives, once up. */
    private volatile QuicChannel standbyQuic;
    private volatile QuicStreamChannel standbyStream;
    private InetSocketAddress standbyAt;
    private java.util.concurrent.ScheduledFuture<?> standbyPings;
    /** The hub the standby's hub last said left the mesh (or went silent), and when (nanoTime). */
    private volatile NodeId goneHub;
    private volatile long goneHeard;
    private java.util.concurrent.ScheduledFuture<?> pings;
    private volatile QuicStreamChannel session;
    /** When the hub last sent this node anything. */
    private volatile long heardNanos = System.nanoTime();
    /** When a registration on the standby was asked, written on its stream, and answered (nanoTime; 0 until then). */
    private volatile long registerAsked;
    private volatile long registerWritten;
    private volatile long registerAnswered;
    /** The packets QUIC took for lost on the connection, when a registration was written and when answered (-1 until known). */
    private volatile long lostWhenWritten = -1;
    private volatile long lostWhenAnswered = -1;

    private Node(NodeIdentity identity, BiConsumer<Node, HubMessage.Signal> signals) {
      this(identity, signals, new HubDatagrams());
    }

    private Node(NodeIdentity identity, BiConsumer<Node, HubMessage.Signal> signals, HubDatagrams probes) {
      this.identity = identity;
      this.signals = signals;
      this.probes = probes;
    }

    /**
     * Registers with another hub from this node's socket, as a node re-homes: its connection to
     * the old hub closes, its socket and QUIC codec stay (a node makes those once, at start).
     * The node registered anew is the returned one.
     */
    public CompletableFuture<Node> rehome(InetSocketAddress hub, NodeId hubId) {
      Node next = new Node(identity, signals, probes);
      next.socket = socket;
      socket.eventLoop().execute(() -> {
        leaveHome();
        next.handshake(hub, hubId);
      });
      return next.registered;
    }

    /**
     * Stands by at another hub, from this node's socket, as a node does at its first fallback: a
     * connection up, to register on when its hub fails. Done once the hub answered a ping on it.
     */
    public CompletableFuture<Void> standBy(InetSocketAddress hub, NodeId hubId) {
      CompletableFuture<Void> standing = new CompletableFuture<>();
      socket.eventLoop().execute(() -> dial(hub).addListener(connected -> {
            if (!connected.isSuccess()) {
              standing.completeExceptionally(connected.cause());
              return;
            }
            QuicChannel c = (QuicChannel) connected.getNow();
            byEngine.remove(c.sslEngine());
            try {
              proven(c, hub, hubId);
            } catch (Exception e) {
              standing.completeExceptionally(e);
              c.close();
              return;
            }
            c.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInitializer<QuicStreamChannel>() {
              @Override
              protected void initChannel(QuicStreamChannel ch) {
                ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(HubCodec.MAX_FRAME + 4, 0, 4, 0, 0),
                    new StandbyMessages(Node.this, standing));
              }
            }).addListener(opened -> {
              if (!opened.isSuccess()) {
                standing.completeExceptionally(opened.cause());
                c.close();
                return;
              }
              standbyQuic = c;
              standbyAt = hub;
              standbyStream = (QuicStreamChannel) opened.getNow();
              write(standbyStream, new HubMessage.Standby());
              write(standbyStream, new HubMessage.Ping(0));
              long every = pingEvery.toMillis() * STANDBY_PING_FACTOR;
              standbyPings = socket.eventLoop().scheduleAtFixedRate(() -> {
                if (standbyStream != null && standbyStream.isActive()) {
                  keepAlive(c);
                }
              }, ThreadLocalRandom.current().nextLong(every), every, TimeUnit.MILLISECONDS);
            });
          }));
      return standing;
    }

    /**
     * The hub the standby's hub said left the mesh, if it said so at or after {@code sinceNanos}: a
     * node checks its hub when told, so a telling before then was checked then (and the hub answered).
     */
    public java.util.Optional<NodeId> goneHub(long sinceNanos) {
      NodeId gone = goneHub;
      return gone != null && goneHeard - sinceNanos >= 0 ? java.util.Optional.of(gone) : java.util.Optional.empty();
    }

    /** Whether a standby is up to register on. */
    public boolean standingBy() {
      QuicStreamChannel s = standbyStream;
      return s != null && s.isActive();
    }

    /**
     * Registers on the connection that stood by, as a node whose hub failed does: no handshake.
     * The node registered anew is the returned one.
     */
    public CompletableFuture<Node> registerOnStandby() {
      Node next = new Node(identity, signals, probes);
      next.socket = socket;
      next.registerAsked = System.nanoTime();
      socket.eventLoop().execute(() -> {
        QuicStreamChannel stream = standbyStream;
        if (stream == null || !stream.isActive()) {
          next.registered.completeExceptionally(new IllegalStateException("no standby"));
          return;
        }
        leaveHome();
        standbyPings.cancel(false);
        next.quic = standbyQuic;
        next.hubAt = standbyAt;
        probes.home = standbyAt;
        next.session = stream;
        standbyStream = null;
        standbyQuic = null;
        stream.pipeline().replace(StandbyMessages.class, "messages", next.new Messages());
        next.register();
        next.registerWritten = System.nanoTime();
        next.quic.collectStats().addListener(f -> {
          if (f.isSuccess()) {
            next.lostWhenWritten = ((io.netty.handler.codec.quic.QuicConnectionStats) f.getNow()).lost();
          }
        });
      });
      return next.registered;
    }

    /**
     * Where a registration on the standby spent its time, in milliseconds: waiting for the
     * node's event loop, and from the write until the hub's answer arrived; empty if it was none.
     */
    public java.util.Optional<double[]> registrationSpans() {
      long asked = registerAsked;
      long written = registerWritten;
      long answered = registerAnswered;
      if (asked == 0 || written == 0 || answered == 0) {
        return java.util.Optional.empty();
      }
      return java.util.Optional.of(new double[] {(written - asked) / 1e6, (answered - written) / 1e6});
    }

    /** How many packets QUIC took for lost on the connection while a registration on the standby waited; empty if unknown. */
    public java.util.OptionalLong lostWhileRegistering() {
      long before = lostWhenWritten;
      long after = lostWhenAnswered;
      return before < 0 || after < 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(after - before);
    }

    /** Ends the session with the hub this node is homed at; on the socket's event loop. */
    private void leaveHome() {
      if (pings != null) {
        pings.cancel(false);
      }
      if (quic != null) {
        quic.close();
      }
      if (hubAt != null) {
        probes.keys.remove(hubAt);
      }
    }

    public NodeId id() {
      return identity.id();
    }

    /**
     * How long the hub has sent this node nothing, not even a QUIC acknowledgement, as a node
     * counts: a node takes its hub for lost after a few keep-alives' silence.
     */
    public java.time.Duration silence() {
      long heard = hubAt != null && hubAt.equals(probes.home) ? Math.max(heardNanos, probes.heardFromHome) : heardNanos;
      return java.time.Duration.ofNanos(System.nanoTime() - heard);
    }

    private void connect(InetSocketAddress hub, NodeId hubId) {
      ChannelHandler codec = QuicEndpoint.configure(new QuicClientCodecBuilder(), settings)
          .sslEngineProvider(ch -> {
            QuicSslEngine engine = tls.newEngine(ch.alloc());
            byEngine.put(engine, identity);
            return engine;
          })
          .build();
      new Bootstrap().group(loops).channel(EpollDatagramChannel.class)
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(probes, codec);
            }
          })
          .bind(new InetSocketAddress("127.0.0.1", 0))
          .addListener(bound -> {
            if (!bound.isSuccess()) {
              registered.completeExceptionally(bound.cause());
              return;
            }
            socket = ((io.netty.channel.ChannelFuture) bound).channel();
            probes.checkConsent(socket);
            handshake(hub, hubId);
          });
    }

    /** A QUIC connection to a hub from this node's socket. */
    private io.netty.util.concurrent.Future<QuicChannel> dial(InetSocketAddress hub) {
      return QuicChannel.newBootstrap(socket)
          .handler(new ChannelInboundHandlerAdapter())
          .streamHandler(new ChannelInboundHandlerAdapter())
          .remoteAddress(hub)
          .localConnectionAddress(ConnectionIds.clientLocal())
          .remoteConnectionAddress(ConnectionIds.clientRemote())
          .connect();
    }

    /** Connects to the hub over this node's socket, checks the id it proves, and registers. */
    private void handshake(InetSocketAddress hub, NodeId hubId) {
      dial(hub).addListener(connected -> {
            if (!connected.isSuccess()) {
              registered.completeExceptionally(connected.cause());
              leave();
              return;
            }
            quic = (QuicChannel) connected.getNow();
            hubAt = hub;
            probes.home = hub;
            byEngine.remove(quic.sslEngine());
            try {
              proven(quic, hub, hubId);
            } catch (Exception e) {
              registered.completeExceptionally(e);
              leave();
              return;
            }
            openSession();
          });
    }

    /** The hub proved the id it was asked for; the probes from its address are answered under a key from its key. */
    private void proven(QuicChannel connection, InetSocketAddress hub, NodeId hubId) throws Exception {
      PublicKey key = connection.sslEngine().getSession().getPeerCertificates()[0].getPublicKey();
      NodeId proven = NodeId.ofPublicKey(key.getEncoded());
      if (!proven.equals(hubId)) {
        throw new IllegalStateException("the hub proved " + proven + ", not " + hubId);
      }
      probes.keys.put(hub, ConsentKey.derive(identity.keys().getPrivate(), identity.id(), key, hubId));
    }

    private void openSession() {
      quic.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInitializer<QuicStreamChannel>() {
        @Override
        protected void initChannel(QuicStreamChannel ch) {
          ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(HubCodec.MAX_FRAME + 4, 0, 4, 0, 0),
              new Messages());
        }
      }).addListener(opened -> {
        if (!opened.isSuccess()) {
          registered.completeExceptionally(opened.cause());
          leave();
          return;
        }
        session = (QuicStreamChannel) opened.getNow();
        register();
      });
    }

    private void register() {
      send(new HubMessage.Register(List.of((InetSocketAddress) socket.localAddress()), false, NatBehavior.UNKNOWN));
    }

    /** Sends one message on the session; from any thread. */
    public void send(HubMessage message) {
      QuicStreamChannel s = session;
      if (s == null) {
        throw new IllegalStateException("no session yet");
      }
      write(s, message);
    }

    private void write(QuicStreamChannel s, HubMessage message) {
      ByteBuf frame = s.alloc().buffer();
      try (ByteBufOutputStream out = new ByteBufOutputStream(frame)) {
        HubCodec.write(out, message);
      } catch (IOException e) {
        frame.release();
        throw new UncheckedIOException(e);
      }
      s.writeAndFlush(frame);
    }

    /**
     * Keeps the session alive from a random phase, as a node's hub session does: a QUIC keep-alive
     * each time, and every {@link #PING_EVERY}th time (the first too) a ping the hub answers.
     */
    private void keepAlive() {
      long phase = ThreadLocalRandom.current().nextLong(pingEvery.toMillis());
      long[] ticks = {0};
      pings = socket.eventLoop().scheduleAtFixedRate(() -> {
        if (session != null && session.isActive()) {
          if (ticks[0]++ % PING_EVERY == 0) {
            send(new HubMessage.Ping(System.nanoTime()));
          } else {
            keepAlive(quic);
          }
        }
      }, phase, pingEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** An ack-eliciting QUIC packet the hub's application never sees (a node's {@code QuicConnection.keepAlive}). */
    private void keepAlive(QuicChannel connection) {
      keepAlives.increment();
      connection.writeAndFlush(PeerDatagram.keepAlive(), connection.voidPromise());
    }

    /** Ends the connection to the hub, not the socket: the node may try another hub from it. */
    private void leave() {
      if (quic != null) {
        quic.close();
      }
    }

    public void close() {
      if (quic != null) {
        quic.close();
      }
      QuicChannel standby = standbyQuic;
      if (standby != null) {
        standby.close();
      }
      if (socket != null) {
        socket.close();
      }
    }

    private final class Messages extends SimpleChannelInboundHandler<ByteBuf> {
      @Override
      protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) throws Exception {
        HubMessage m = HubCodec.read(new ByteBufInputStream(frame)).orElseThrow();
        heardNanos = System.nanoTime();
        if (m instanceof HubMessage.Registered) {
          registerAnswered = heardNanos;
          if (registerWritten != 0) {
            quic.collectStats().addListener(f -> {
              if (f.isSuccess()) {
                lostWhenAnswered = ((io.netty.handler.codec.quic.QuicConnectionStats) f.getNow()).lost();
              }
            });
          }
          keepAlive();
          registered.complete(Node.this);
        } else if (m instanceof HubMessage.Refused r) {
          registered.completeExceptionally(new IllegalStateException("refused: " + r.reason()));
        } else if (m instanceof HubMessage.Pong) {
          pongs.increment();
        } else if (m instanceof HubMessage.Signal s) {
          signals.accept(Node.this, s);
        }
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        if (!registered.completeExceptionally(new IllegalStateException("the hub closed the session"))) {
          sessionsLost.increment();
        }
      }
    }
  }

  /** What a session that stands by hears: pongs (the first says the hub took it) and hubs gone from the mesh. */
  private final class StandbyMessages extends SimpleChannelInboundHandler<ByteBuf> {
    private final CompletableFuture<Void> standing;
    private final Node node;

    StandbyMessages(Node node, CompletableFuture<Void> standing) {
      this.node = node;
      this.standing = standing;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) throws Exception {
      HubMessage m = HubCodec.read(new ByteBufInputStream(frame)).orElseThrow();
      if (m instanceof HubMessage.Pong) {
        standing.complete(null);
      } else if (m instanceof HubMessage.HubGone g) {
        node.goneHeard = System.nanoTime();
        node.goneHub = g.hub();
      } else if (m instanceof HubMessage.Refused r) {
        standing.completeExceptionally(new IllegalStateException("refused: " + r.reason()));
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      standing.completeExceptionally(new IllegalStateException("the hub closed the standby"));
    }
  }

  /**
   * What a node's socket does beside QUIC with its hubs: its path probes toward them, under each
   * pair's key, its answers to theirs, and when its home hub last sent it anything; everything
   * else goes on to QUIC. On the socket's event loop.
   */
  private final class HubDatagrams extends ChannelInboundHandlerAdapter {
    /** By the address of the hub: the one the node is homed at, and the one it stands by at. */
    private final Map<InetSocketAddress, byte[]> keys = new ConcurrentHashMap<>();
    /** The hub the node is homed at, and when it last sent the node any datagram (nanoTime), as a node's route counts. */
    private volatile InetSocketAddress home;
    private volatile long heardFromHome = System.nanoTime();
    /** The transaction of the probe outstanding at each hub. */
    private final Map<InetSocketAddress, byte[]> outstanding = new java.util.HashMap<>();

    /** Checks the paths to the hubs every 4 to 6 s (as a node's prober does), from a random phase, while the socket lives. */
    void checkConsent(Channel socket) {
      long check = PathProber.CONSENT_CHECK.toMillis();
      socket.eventLoop().schedule(() -> {
        if (!socket.isActive()) {
          return;
        }
        keys.forEach((hub, key) -> {
          byte[] transaction = PathProbe.newTransaction();
          outstanding.put(hub, transaction);
          socket.write(new DatagramPacket(PathProbe.request(socket.alloc(), transaction, key), hub));
        });
        socket.flush();
        checkConsent(socket);
      }, check * 4 / 5 + ThreadLocalRandom.current().nextLong(check * 2 / 5), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof DatagramPacket d && d.sender().equals(home)) {
        heardFromHome = System.nanoTime();
      }
      if (msg instanceof DatagramPacket p && (PathProbe.isRequest(p.content()) || PathProbe.isAnswer(p.content()))) {
        byte[] k = keys.get(p.sender());
        if (k != null && PathProbe.authentic(p.content(), k)) {
          if (PathProbe.isRequest(p.content())) {
            ctx.writeAndFlush(new DatagramPacket(PathProbe.answer(ctx.alloc(), p.content(), k), p.sender()));
            probesAnswered.increment();
          } else {
            byte[] transaction = outstanding.get(p.sender());
            if (transaction != null && PathProbe.answers(p.content(), transaction)) {
              outstanding.remove(p.sender());
              hubsAnswered.increment();
            }
          }
        }
        p.release();
        return;
      }
      ctx.fireChannelRead(msg);
    }
  }

  /** Presents the certificate of the node whose engine asks. */
  private final class KeyPerEngine extends X509ExtendedKeyManager {
    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      NodeIdentity identity = byEngine.get(engine);
      return identity == null ? null : identity.id().toString();
    }

    private NodeIdentity of(String alias) {
      return byEngine.values().stream().filter(i -> i.id().toString().equals(alias)).findFirst().orElse(null);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      NodeIdentity identity = of(alias);
      return identity == null ? null : new X509Certificate[] {identity.certificate()};
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      NodeIdentity identity = of(alias);
      return identity == null ? null : identity.keys().getPrivate();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }
}
