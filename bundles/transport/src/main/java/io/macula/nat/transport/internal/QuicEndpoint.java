package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.StunHandler;
import io.macula.nat.transport.api.CarriedStunHandler;
import io.macula.nat.transport.api.ConnectionAcceptor;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.PacketCarrier;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.RelayHandler;
import io.macula.nat.transport.api.TransportPath;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The endpoint: one UDP socket whose pipeline carries QUIC in both roles beneath the path layer.
 *
 * <pre>
 *   socket -> PathLayer -> FlushBatching -> RoleDemux -> server codec -> bridge -> client codec
 * </pre>
 *
 * The client codec sits nearest the tail (the server codec refuses client connects); packets for
 * client connections enter at the bridge, past the server codec.
 */
public final class QuicEndpoint implements Endpoint, AutoCloseable {
  static final String BRIDGE = "bridge";
  static final AttributeKey<Integer> MAX_DATAGRAM = AttributeKey.valueOf("macula.maxDatagram");
  private static final AttributeKey<String> PROTOCOL = AttributeKey.valueOf("macula.protocol");
  private static final AttributeKey<QuicPeerConnection> CONNECTION =
      AttributeKey.valueOf("macula.connection");

  /** Streams a peer opened before its admission was decided, kept for it; the first few only. */
  private static final AttributeKey<List<QuicStreamChannel>> WAITING_STREAMS =
      AttributeKey.valueOf("macula.waitingStreams");
  static final int MAX_STREAMS_WHILE_ADMITTING = 16;
  /** Connections whose admission is being decided at once; more are refused. */
  static final int MAX_ADMITTING = 256;
  /** How long an acceptor may take to decide; then the connection is refused. */
  static final Duration ADMISSION_DEADLINE = Duration.ofSeconds(5);

  /** The application error code of a connection refused after the handshake. */
  static final int NOT_ADMITTED = 0x4d01;

  private static final byte[] NOT_ADMITTED_REASON =
      "not admitted".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /**
   * Handshakes of unproven senders under way (the one asking among them) past which a new sender
   * must prove its address with a Retry: a node or hub rarely sees more at once, a flood of forged
   * Initials fills the table of 256 at once.
   */
  static final int UNPROVEN_BEFORE_RETRY = 16;

  /** How long a Retry's token stays good: the client answers a Retry at once. */
  private static final Duration TOKEN_LIFETIME = Duration.ofSeconds(10);

  /**
   * Room for a relay header and MAC in a 1472-byte UDP payload (1500-byte MTU): the longer header
   * of a frame between relays, which hubs pass a packet in on its way across two hubs.
   */
  static final int MAX_UDP_PAYLOAD = 1472 - RelayFrame.BETWEEN_HEADER_LENGTH - RelayMac.LENGTH;

  /** The largest datagram read, as Netty reads by default: a longer one is cut (QUIC's are 1,472 at most). */
  static final int MAX_READ = 2048;
  /** Datagrams read by one system call, at most. */
  static final int BATCH = 16;
  /**
   * Datagrams read a wakeup of the event loop, at most (recvmmsg again while the socket has more):
   * the loop runs its due timers only between wakeups, and a loop behind that read one call's
   * worth a wakeup fired QUIC's probe timers for the acknowledgements still waiting in its socket.
   */
  static final int READ_PER_WAKEUP = 4 * BATCH;

  /** The options of an endpoint's UDP socket. */
  static Bootstrap socketOptions(Bootstrap bootstrap, boolean epoll) {
    bootstrap.option(ChannelOption.SO_RCVBUF, 4 << 20).option(ChannelOption.SO_SNDBUF, 4 << 20);
    if (epoll) {
      // Netty reads up to 16 datagrams a wakeup, a system call each; recvmmsg reads as many in one
      // (each in a slot of MAX_READ bytes): about a fifth less CPU a MB at the receiving end. The
      // allocator counts datagrams: it calls recvmmsg until READ_PER_WAKEUP came or the socket is empty.
      bootstrap.option(io.netty.channel.epoll.EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_READ)
          .option(ChannelOption.RCVBUF_ALLOCATOR,
              new io.netty.channel.FixedRecvByteBufAllocator(MAX_READ * BATCH).maxMessagesPerRead(READ_PER_WAKEUP));
    }
    return bootstrap;
  }

  /** What an endpoint needs to run. */
  public record Settings(InetSocketAddress bind, Duration idleTimeout, long connectionWindow, long streamWindow,
      Duration consentLifetime) {
    public static Settings defaults(InetSocketAddress bind) {
      return new Settings(bind, Duration.ofSeconds(30), 16 << 20, 4 << 20, PathProber.CONSENT_LIFETIME);
    }
  }

  private final NodeIdentity identity;
  /** The node's key and certificate, for every TLS context. */
  private final NodeKeyManager keys;
  /** Probes every route's paths: consent, liveness, and the NAT mappings kept open. */
  private final PathProber prober;
  private final Duration idleTimeout;
  private final Routes routes = new Routes(java.time.Clock.systemUTC());
  private final DropCounters drops = new DropCounters();
  private final AtomicInteger admitting = new AtomicInteger();
  private final RelaySequences sequences = new RelaySequences();
  private final Function<String, Optional<ConnectionAcceptor>> acceptors;
  private final Supplier<RelayHandler> relay;
  private final ExecutorService callbacks;
  private final Map<String, QuicSslContext> clientContexts = new ConcurrentHashMap<>();
  private final Set<QuicPeerConnection> connections = ConcurrentHashMap.newKeySet();
  private final Set<java.util.function.Consumer<QuicConnection>> connectionListeners = ConcurrentHashMap.newKeySet();
  private final EventLoopGroup group;
  private final Channel channel;
  private final PathLayer pathLayer;
  /** The TCP streams open now, by their far end's address: accepted ones, and those this node opened. */
  private final Map<InetSocketAddress, StreamCarrier> streams = new ConcurrentHashMap<>();
  private volatile Channel streamServer;
  /** Streams that may be open at once: each is a socket an unauthenticated sender may hold. */
  static final int MAX_STREAMS = 1024;

  /**
   * Binds the socket.
   *
   * @param acceptors the acceptor of each application protocol, asked for every inbound connection
   * @param relay the relay for packets between other nodes, or null
   */
  QuicEndpoint(
      NodeIdentity identity,
      Settings settings,
      Function<String, Optional<ConnectionAcceptor>> acceptors,
      Supplier<RelayHandler> relay)
      throws InterruptedException {
    this(identity, settings, acceptors, relay, () -> null);
  }

  /**
   * Binds the socket.
   *
   * @param stun the handler of STUN datagrams, or null
   */
  QuicEndpoint(
      NodeIdentity identity,
      Settings settings,
      Function<String, Optional<ConnectionAcceptor>> acceptors,
      Supplier<RelayHandler> relay,
      Supplier<StunHandler> stun)
      throws InterruptedException {
    this(identity, settings, acceptors, relay, () -> null, stun);
  }

  /**
   * Binds the socket.
   *
   * @param exchange the relays that pass this one packets for the nodes it holds, or null
   * @param stun the handler of STUN datagrams, or null
   */
  QuicEndpoint(
      NodeIdentity identity,
      Settings settings,
      Function<String, Optional<ConnectionAcceptor>> acceptors,
      Supplier<RelayHandler> relay,
      Supplier<io.macula.nat.transport.api.RelayExchange> exchange,
      Supplier<StunHandler> stun)
      throws InterruptedException {
    this.identity = identity;
    this.idleTimeout = settings.idleTimeout();
    this.acceptors = acceptors;
    this.relay = relay;
    this.callbacks = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "nat-endpoint-callback");
      t.setDaemon(true);
      return t;
    });
    this.keys = new NodeKeyManager(identity.keys().getPrivate(), identity.certificate());
    AddressToken tokens = new AddressToken(routes::origin, java.time.Clock.systemUTC(), TOKEN_LIFETIME,
        () -> routes.unproven() > UNPROVEN_BEFORE_RETRY);
    this.pathLayer = new PathLayer(routes, drops, relay, exchange, this::relayTo, stun, tokens, sequences, this::openStream);
    QuicSslContext serverTls =
        QuicSslContextBuilder.forServer(keys, null)
            .trustManager(SelfSignedTrustManager.INSTANCE)
            .clientAuth(ClientAuth.REQUIRE)
            .applicationProtocols(PEER_PROTOCOL, HUB_PROTOCOL, RELAY_PROTOCOL, HUB_LINK_PROTOCOL)
            .build();
    ChannelHandler serverCodec =
        configure(new QuicServerCodecBuilder(), settings)
            .sslContext(serverTls)
            // A handshake's tasks (the certificate check) run on the event loop: on threads of
            // their own they raced the connection's teardown and crashed the JVM in native code
            // (SIGSEGV in BoringSSL.SSL_getTask, a hub under thousands of handshakes).
            .sslTaskExecutor(ImmediateEventExecutor.INSTANCE)
            .tokenHandler(tokens)
            .connectionIdAddressGenerator(ConnectionIds.serverGenerator())
            .handler(new ConnectionInitializer(true))
            .streamHandler(new StreamInitializer())
            .streamOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .build();
    ChannelHandler clientCodec =
        configure(new QuicClientCodecBuilder(), settings)
            .sslEngineProvider(ch -> clientContext(ch.attr(PROTOCOL).get()).newEngine(ch.alloc()))
            .sslTaskExecutor(ImmediateEventExecutor.INSTANCE)
            .build();
    boolean epoll = Epoll.isAvailable();
    this.group =
        new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    Bootstrap bootstrap =
        socketOptions(new Bootstrap().group(group).channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class),
            epoll);
    this.channel =
        bootstrap
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast("path", pathLayer)
                        .addLast("flushes", new FlushBatching())
                        .addLast("demux", new RoleDemux(drops))
                        .addLast("server", serverCodec)
                        .addLast(BRIDGE, new ChannelDuplexHandler())
                        .addLast("client", clientCodec)
                        .addLast("errors", new SocketErrors(drops));
                  }
                })
            .bind(settings.bind())
            .sync()
            .channel();
    prober = new PathProber(routes.all(), routes::changes, pathLayer::sendProbe, new java.util.SplittableRandom(),
        settings.consentLifetime());
    long every = PathProber.INTERVAL.toMillis();
    channel.eventLoop().scheduleAtFixedRate(() -> {
      prober.tick(System.nanoTime());
      pathLayer.flushProbes();
    }, every, every, TimeUnit.MILLISECONDS);
  }

  static <B extends QuicCodecBuilder<B>> B configure(B builder, Settings s) {
    return builder
        .maxIdleTimeout(s.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .maxSendUdpPayloadSize(MAX_UDP_PAYLOAD)
        .maxRecvUdpPayloadSize(MAX_UDP_PAYLOAD)
        .initialMaxData(s.connectionWindow())
        .initialMaxStreamDataBidirectionalLocal(s.streamWindow())
        .initialMaxStreamDataBidirectionalRemote(s.streamWindow())
        // A peer holds at most 64 streams open at once (and opens no unidirectional ones): its streams
        // cost this node threads and buffers.
        .initialMaxStreamsBidirectional(64)
        .initialMaxStreamsUnidirectional(0)
        .localConnectionIdLength(ConnectionIds.LENGTH)
        // Paths change beneath QUIC by the path layer's hand, never by QUIC's own migration.
        .activeMigration(false)
        .datagram(1024, 1024);
  }

  private QuicSslContext clientContext(String protocol) {
    return clientContexts.computeIfAbsent(
        protocol,
        p ->
            QuicSslContextBuilder.forClient()
                .keyManager(keys, null)
                .trustManager(SelfSignedTrustManager.INSTANCE)
                .applicationProtocols(p)
                .build());
  }

  @Override
  public NodeId localId() {
    return identity.id();
  }

  /** The event loop of the endpoint's socket, which runs all of its QUIC and path work. */
  io.netty.channel.EventLoop eventLoop() {
    return channel.eventLoop();
  }

  @Override
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void mappingLifetime(Duration lifetime) {
    prober.mappingLifetime(lifetime);
  }

  @Override
  public CompletableFuture<QuicConnection> connect(NodeId peer, TransportPath path, String protocol) {
    CompletableFuture<QuicConnection> result = new CompletableFuture<>();
    if (path instanceof TransportPath.Direct d) {
      Route owner = routes.byDirect(d.address());
      if (owner != null && owner.peer() != null && !owner.peer().equals(peer)) {
        // That address proved to be another node: one address, one node.
        result.completeExceptionally(new SSLPeerUnverifiedException(
            "the peer at " + d.address() + " is " + owner.peer() + ", not " + peer));
        return result;
      }
    }
    Route route = routes.holdForPeer(peer, path);
    boolean newAddress = path instanceof TransportPath.Direct d && routes.byDirect(d.address()) == null;
    routes.switchPath(route, path);
    result.whenComplete((c, e) -> routes.release(route)); // the connection holds it from here
    QuicChannel.newBootstrap(channel)
        .attr(PROTOCOL, protocol)
        .handler(new ConnectionInitializer(false))
        .streamHandler(new StreamInitializer())
        .streamOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .remoteAddress(route.virtualAddress)
        .localConnectionAddress(ConnectionIds.clientLocal())
        .remoteConnectionAddress(ConnectionIds.clientRemote())
        .connect()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
              }
              QuicChannel ch = (QuicChannel) f.getNow();
              if (result.isDone()) {
                ch.close(); // the caller gave up meanwhile
                return;
              }
              try {
                NodeId proven = SelfSignedTrustManager.peerId(ch.sslEngine());
                if (!proven.equals(peer)) {
                  if (newAddress) {
                    routes.forget(path.nextHop(), route);
                  }
                  ch.close();
                  result.completeExceptionally(
                      new SSLPeerUnverifiedException(
                          "the peer at " + path.nextHop() + " is " + proven + ", not " + peer));
                  return;
                }
                QuicPeerConnection c = established(ch, peer, route, protocol, false);
                acceptors.apply(protocol).ifPresent(a -> callbacks.execute(() -> a.accepted(c)));
                result.complete(c);
              } catch (SSLPeerUnverifiedException e) {
                ch.close();
                result.completeExceptionally(e);
              }
            });
    return result;
  }

  /** A connection whose peer proved its id; {@code accepted} if the peer dialled this node. */
  private QuicPeerConnection established(QuicChannel ch, NodeId peer, Route route, String protocol,
      boolean accepted) {
    if (route.consentKey == null) {
      route.consentKey = consentKey(ch, peer); // before the route is held: a failure leaves nothing
    }
    routes.established(route, peer);
    QuicPeerConnection c = new QuicPeerConnection(ch, peer, route, routes, protocol, callbacks, idleTimeout, drops, this::closed);
    ch.attr(CONNECTION).set(c);
    if (accepted && HUB_PROTOCOL.equals(protocol)) {
      c.hubSession = true; // before it is listed: its end, once listed, counts it off
      routes.hubSessionOpened(route);
    }
    connections.add(c);
    connectionListeners.forEach(l -> callbacks.execute(() -> l.accept(c)));
    ch.pipeline().addLast(c);
    if (!ch.isActive()) {
      closed(c);
    }
    return c;
  }

  /** A connection ended: it no longer holds its route. Called once per connection. */
  @Override
  public AutoCloseable onConnection(java.util.function.Consumer<QuicConnection> listener) {
    connectionListeners.add(listener);
    return () -> connectionListeners.remove(listener);
  }

  private void closed(QuicPeerConnection c) {
    if (connections.remove(c)) {
      if (c.hubSession) {
        routes.hubSessionClosed(c.route()); // first: the route is never left counted as only sessions
      }
      routes.release(c.route());
    }
  }

  @Override
  public List<QuicConnection> connections() {
    return List.copyOf(connections);
  }

  @Override
  public Optional<QuicConnection> connection(NodeId peer, String protocol) {
    return connections.stream()
        .filter(c -> c.peer().equals(peer) && c.protocol().equals(protocol) && c.isOpen())
        .map(c -> (QuicConnection) c)
        .findFirst();
  }

  @Override
  public void trustRelay(InetSocketAddress relayAddress, byte[] key, io.macula.nat.api.PathKind kind) {
    pathLayer.trustRelay(relayAddress, key, kind);
  }

  @Override
  public Map<String, Integer> tables() {
    Map<String, Integer> out = new java.util.TreeMap<>(routes.sizes());
    out.put("connections", connections.size());
    out.put("admitting", admitting.get());
    out.put("streams", streams.size());
    return out;
  }

  /** Where the errors garbage raises in the codecs are told, now and then (debug level). */
  void logErrorsTo(java.util.function.Consumer<String> debug) {
    drops.logErrorsTo(debug);
  }

  @Override
  public void distrustRelay(InetSocketAddress relayAddress) {
    pathLayer.distrustRelay(relayAddress);
  }

  /** Sends a relayed packet on: the relay handler's forwarder. */
  void relayTo(InetSocketAddress address, byte[] key, NodeId source, ByteBuffer packet) {
    if (key == null || key.length != RelayMac.KEY_LENGTH) {
      drops.drop(DropCounters.NO_RELAY); // a relay handler without the destination's key
      return;
    }
    ByteBuf frame = channel.alloc().ioBuffer(RelayFrame.HEADER_LENGTH + packet.remaining() + RelayMac.LENGTH);
    long sequence = sequences.of(key).next.getAndIncrement();
    RelayFrame.writeHeader(frame, RelayFrame.FROM_RELAY, sequence, source);
    frame.writeBytes(packet);
    RelayMac.append(key, sequence, frame);
    PacketCarrier stream = openStream(address);
    if (stream != null) {
      // The destination reaches this relay over TCP: its frames go on its stream.
      try {
        stream.send(address, frame.nioBuffer());
      } finally {
        frame.release();
      }
      return;
    }
    send(frame, address);
  }

  @Override
  public void passToRelay(InetSocketAddress relay, byte[] key, NodeId source, NodeId destination, ByteBuffer packet) {
    if (key == null || key.length != RelayMac.KEY_LENGTH) {
      drops.drop(DropCounters.NO_RELAY);
      return;
    }
    ByteBuf frame = channel.alloc().ioBuffer(RelayFrame.BETWEEN_HEADER_LENGTH + packet.remaining() + RelayMac.LENGTH);
    long sequence = sequences.of(key).next.getAndIncrement();
    RelayFrame.writeBetweenHeader(frame, sequence, destination, source);
    frame.writeBytes(packet);
    RelayMac.append(key, sequence, frame);
    send(frame, relay);
  }

  /** Sends a frame of the endpoint's own from its socket: with the read batch it answers, if it answers one. */
  private void send(ByteBuf frame, InetSocketAddress address) {
    if (channel.eventLoop().inEventLoop() && pathLayer.reading()) {
      // Forwarded as the socket reads: the frames of a read batch leave together.
      channel.write(new DatagramPacket(frame, address), channel.voidPromise());
      pathLayer.flushAtBatchEnd();
    } else {
      channel.writeAndFlush(new DatagramPacket(frame, address), channel.voidPromise());
    }
  }

  @Override
  public Map<String, Long> drops() {
    return drops.snapshot();
  }

  @Override
  public java.util.List<io.macula.nat.transport.api.PathMoveCount> pathMoves() {
    return routes.moveCounts();
  }

  @Override
  public Claim claim(InetSocketAddress server, ServerTraffic handler) {
    return pathLayer.claim(server, handler);
  }

  @Override
  public void receive(PacketCarrier carrier, InetSocketAddress peer, ByteBuffer packet) {
    received(new TransportPath.Carried(carrier, peer),
        channel.alloc().ioBuffer(packet.remaining()).writeBytes(packet.duplicate()));
  }

  @Override
  public AutoCloseable handleCarriedStun(CarriedStunHandler handler) {
    return pathLayer.handleCarriedStun(handler);
  }

  /** A carried packet, handed to QUIC on the socket's event loop; {@code packet} is released there. */
  private void received(TransportPath.Carried path, ByteBuf packet) {
    if (channel.eventLoop().inEventLoop()) {
      // A carrier on this socket (TURN over UDP) hands its packets over while the socket reads: the
      // read's end tells QUIC to flush, as for every other packet of the batch.
      pathLayer.carried(path, packet, !pathLayer.reading());
    } else {
      channel.eventLoop().execute(() -> pathLayer.carried(path, packet, true));
    }
  }

  /**
   * Takes QUIC over TCP on the socket's port too (a hub does, for nodes whose network blocks UDP):
   * each connection a stream carrier, at most {@link #MAX_STREAMS} at once.
   */
  void listenStreams() throws InterruptedException {
    InetSocketAddress at = localAddress();
    Channel server = new ServerBootstrap()
        .group(group)
        .channel(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (streams.size() >= MAX_STREAMS) {
              drops.drop(DropCounters.STREAMS_AT_LIMIT);
              ch.close();
              return;
            }
            StreamCarrier carrier = new StreamCarrier(ch.remoteAddress(), QuicEndpoint.this::streamed, drops);
            streams.put(carrier.remote(), carrier);
            ch.closeFuture().addListener(f -> streams.remove(carrier.remote(), carrier));
            carrier.install(ch.pipeline());
          }
        })
        .bind(at.getAddress(), at.getPort())
        .sync()
        .channel();
    streamServer = server;
  }

  @Override
  public CompletableFuture<PacketCarrier> connectStream(InetSocketAddress address) {
    CompletableFuture<PacketCarrier> result = new CompletableFuture<>();
    StreamCarrier carrier = new StreamCarrier(address, this::streamed, drops);
    new Bootstrap()
        .group(group)
        .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            carrier.install(ch.pipeline());
            ch.closeFuture().addListener(f -> streams.remove(address, carrier));
          }
        })
        .connect(address)
        .addListener(f -> {
          if (f.isSuccess()) {
            streams.put(address, carrier);
            result.complete(carrier);
          } else {
            result.completeExceptionally(f.cause());
          }
        });
    return result;
  }

  /** The open stream to {@code address}, or null. */
  private PacketCarrier openStream(InetSocketAddress address) {
    StreamCarrier s = streams.get(address);
    return s != null && s.isOpen() ? s : null;
  }

  private void streamed(StreamCarrier carrier, ByteBuf packet) {
    received(new TransportPath.Carried(carrier, carrier.remote()), packet);
  }

  @Override
  public void send(InetSocketAddress to, ByteBuffer datagram) {
    ByteBuf copy = channel.alloc().ioBuffer(datagram.remaining()).writeBytes(datagram.duplicate());
    channel.writeAndFlush(new DatagramPacket(copy, to), channel.voidPromise());
  }

  /** How many routes exist, and how many of them are unconfirmed (tests, soak runs). */
  int[] routeCounts() {
    return routes.counts();
  }

  /** Sends raw bytes from the endpoint's socket (tests, probes). */
  void sendRaw(InetSocketAddress to, byte[] data) {
    channel.writeAndFlush(
        new DatagramPacket(io.netty.buffer.Unpooled.wrappedBuffer(data), to), channel.voidPromise());
  }

  @Override
  public void close() {
    connections.forEach(QuicPeerConnection::close);
    Channel server = streamServer;
    if (server != null) {
      server.close().syncUninterruptibly();
    }
    streams.values().forEach(StreamCarrier::close);
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    callbacks.shutdownNow();
  }

  /** Sets up each QUIC connection's pipeline, in either role. */
  private final class ConnectionInitializer extends ChannelInitializer<QuicChannel> {
    private final boolean server;

    ConnectionInitializer(boolean server) {
      this.server = server;
    }

    @Override
    protected void initChannel(QuicChannel ch) {
      ch.pipeline().addLast(new ConnectionEvents(server));
    }

    @Override
    public boolean isSharable() {
      return true;
    }
  }

  /** Learns the datagram size, and admits a server-role connection once its peer is proven. */
  private final class ConnectionEvents extends ChannelInboundHandlerAdapter {
    private final boolean server;

    ConnectionEvents(boolean server) {
      this.server = server;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof QuicDatagramExtensionEvent d) {
        ctx.channel().attr(MAX_DATAGRAM).set(d.maxLength());
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.fireChannelActive();
      if (server) {
        admit((QuicChannel) ctx.channel());
      }
    }

    /** A peer's garbage must not fill the log: counted, and the connection closed. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      drops.error(DropCounters.CONNECTION_ERROR, cause);
      ctx.close();
    }
  }

  private void admit(QuicChannel ch) {
    NodeId peer;
    try {
      peer = SelfSignedTrustManager.peerId(ch.sslEngine());
    } catch (SSLPeerUnverifiedException e) {
      ch.close();
      return;
    }
    String protocol = ch.sslEngine().getApplicationProtocol();
    Optional<ConnectionAcceptor> acceptor = acceptors.apply(protocol);
    Route route = routes.byVirtual((InetSocketAddress) ch.remoteSocketAddress());
    if (acceptor.isEmpty() || route == null) {
      refuse(ch);
      return;
    }
    if (route.peer() != null && !route.peer().equals(peer)) {
      ch.close();
      return;
    }
    if (admitting.incrementAndGet() > MAX_ADMITTING) {
      admitting.decrementAndGet();
      refuse(ch);
      return;
    }
    ch.attr(WAITING_STREAMS).set(new ArrayList<>());
    Admission admission = new Admission(ch, peer, route, protocol, acceptor.get());
    admission.deadline = ch.eventLoop().schedule(
        () -> admission.decide(false), ADMISSION_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    ch.closeFuture().addListener(closed -> admission.decide(false)); // a peer that gave up frees its place
    CompletionStage<Boolean> answer;
    try {
      answer = acceptor.get().admission(peer);
    } catch (RuntimeException e) {
      answer = CompletableFuture.completedFuture(false);
    }
    answer.whenComplete((ok, failed) ->
        ch.eventLoop().execute(() -> admission.decide(failed == null && Boolean.TRUE.equals(ok))));
  }

  /**
   * The key the route's probes carry, from the key the peer's handshake proved (the peer is the
   * route's for good: a route never changes peers, so neither does its key).
   */
  private byte[] consentKey(QuicChannel ch, NodeId peer) {
    try {
      java.security.PublicKey key = ch.sslEngine().getSession().getPeerCertificates()[0].getPublicKey();
      return ConsentKey.derive(identity.keys().getPrivate(), identity.id(), key, peer);
    } catch (SSLPeerUnverifiedException e) {
      throw new IllegalStateException("an established connection with no proven peer", e);
    }
  }

  private void refuse(QuicChannel ch) {
    drops.drop(DropCounters.NOT_ADMITTED);
    ch.close(true, NOT_ADMITTED, ch.alloc().buffer().writeBytes(NOT_ADMITTED_REASON));
  }

  /**
   * An inbound connection whose peer is proven and whose acceptor has not said yet whether it may
   * stay. Nothing of it is visible to the node (no route, no connection) until it is admitted.
   */
  private final class Admission {
    private final QuicChannel ch;
    private final NodeId peer;
    private final Route route;
    private final String protocol;
    private final ConnectionAcceptor acceptor;
    private io.netty.util.concurrent.ScheduledFuture<?> deadline; // the event loop's

    Admission(QuicChannel ch, NodeId peer, Route route, String protocol, ConnectionAcceptor acceptor) {
      this.ch = ch;
      this.peer = peer;
      this.route = route;
      this.protocol = protocol;
      this.acceptor = acceptor;
    }

    /** On the connection's event loop; the first decision counts (the answer, or the deadline). */
    void decide(boolean admitted) {
      List<QuicStreamChannel> waiting = ch.attr(WAITING_STREAMS).getAndSet(null);
      if (waiting == null) {
        return;
      }
      if (deadline != null) {
        deadline.cancel(false);
      }
      admitting.decrementAndGet();
      if (!admitted || !ch.isActive()) {
        waiting.forEach(QuicStreamChannel::close);
        if (ch.isActive()) {
          refuse(ch);
        }
        return;
      }
      QuicPeerConnection c = established(ch, peer, route, protocol, true);
      for (QuicStreamChannel stream : waiting) {
        c.accepted(stream);
        stream.config().setAutoRead(true);
      }
      callbacks.execute(() -> acceptor.accepted(c));
    }
  }

  /** Hands each stream the peer opens to its connection. */
  private final class StreamInitializer extends ChannelInitializer<QuicStreamChannel> {
    @Override
    protected void initChannel(QuicStreamChannel stream) {
      QuicPeerConnection c = stream.parent().attr(CONNECTION).get();
      if (c != null) {
        c.accepted(stream);
        return;
      }
      List<QuicStreamChannel> waiting = stream.parent().attr(WAITING_STREAMS).get();
      if (waiting != null && waiting.size() < MAX_STREAMS_WHILE_ADMITTING) {
        // Served once the peer is admitted; what it sends meanwhile waits in QUIC's buffers, since
        // nothing in the stream's pipeline would take it yet.
        stream.config().setAutoRead(false);
        waiting.add(stream);
      } else {
        drops.drop(DropCounters.STREAM_NOT_ADMITTED);
        stream.close();
      }
    }

    @Override
    public boolean isSharable() {
      return true;
    }
  }
}
