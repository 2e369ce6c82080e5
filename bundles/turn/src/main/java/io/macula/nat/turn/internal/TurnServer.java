package io.macula.nat.turn.internal;

import io.macula.nat.stun.api.ChannelNumber;
import io.macula.nat.stun.api.Data;
import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.EvenPort;
import io.macula.nat.stun.api.Lifetime;
import io.macula.nat.stun.api.MessageIntegrity;
import io.macula.nat.stun.api.Nonce;
import io.macula.nat.stun.api.Realm;
import io.macula.nat.stun.api.RequestedAddressFamily;
import io.macula.nat.stun.api.RequestedTransport;
import io.macula.nat.stun.api.StunAttribute;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunParseException;
import io.macula.nat.stun.api.UnknownAttributes;
import io.macula.nat.stun.api.Username;
import io.macula.nat.stun.api.XorMappedAddress;
import io.macula.nat.stun.api.XorPeerAddress;
import io.macula.nat.stun.api.XorRelayedAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A TURN server over UDP and TCP (one port for both), RFC 8656, on one thread: allocations for authenticated users only (no
 * open relay), each with a relayed UDP socket of its own, permissions, channels and lifetimes;
 * peers in the ranges a server's own network uses are refused unless allowed. What an
 * unauthenticated sender can make it hold is nothing: challenges carry stateless nonces.
 */
final class TurnServer implements AutoCloseable {
  static final Duration PERMISSION_LIFETIME = Duration.ofMinutes(5);
  static final Duration CHANNEL_LIFETIME = Duration.ofMinutes(10);

  /** How the server runs. */
  record Settings(InetSocketAddress listen, InetAddress relayIp, ServerCredentials credentials, PeerFilter peers,
      int allocationsPerUser, Duration defaultLifetime, Duration maxLifetime, long bandwidthBytesPerSecond,
      Clock clock) {}

  /** Whose request it is, the key its integrity was checked with, and until when its credentials hold. */
  private record Authenticated(String username, byte[] key, java.time.Instant validUntil) {}

  /** A client's TCP connection: its messages come through a framer; its allocation goes with it. */
  private record TcpClient(SocketChannel channel, InetSocketAddress remote, StreamFramer framer) {}

  private final Settings settings;
  private final Selector selector;
  private final DatagramChannel listen;
  private final ServerSocketChannel tcp;
  private final Map<InetSocketAddress, TcpClient> tcpClients = new ConcurrentHashMap<>();
  private final Thread thread;
  private final Map<InetSocketAddress, ServerAllocation> byClient = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
  private final ByteBuffer in = ByteBuffer.allocateDirect(65536);
  // Counted on every relayed packet by the server's one thread: plain fields, read as they are.
  private volatile long relayedPackets;
  private volatile long relayedBytes;
  /**
   * What each user's allocations relayed, both ways, while it has one; a user whose last allocation
   * ends goes into {@link #ended}, so no count goes down when an allocation is renewed or ends.
   */
  private final Map<String, RelayedTotal> relayedByUser = new ConcurrentHashMap<>();
  private final RelayedTotal ended = new RelayedTotal();

  /** Packets and bytes relayed; written by the server's thread, read by any. */
  static final class RelayedTotal {
    final java.util.concurrent.atomic.LongAdder packets = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.LongAdder bytes = new java.util.concurrent.atomic.LongAdder();

    void add(long n) {
      packets.increment();
      bytes.add(n);
    }
  }
  private Instant lastSweep = Instant.EPOCH;
  /** All relayed bytes, both ways, of every allocation: one limit for the server. */
  private final BandwidthLimit bandwidth;
  private volatile boolean running = true;

  TurnServer(Settings settings) throws IOException {
    this.settings = settings;
    this.bandwidth = new BandwidthLimit(settings.bandwidthBytesPerSecond(), System.nanoTime());
    this.selector = Selector.open();
    ListeningPort port;
    try {
      port = ListeningPort.open(settings.listen());
    } catch (IOException e) {
      selector.close();
      throw e;
    }
    this.listen = port.udp();
    this.tcp = port.tcp();
    listen.configureBlocking(false);
    listen.register(selector, SelectionKey.OP_READ);
    tcp.configureBlocking(false);
    tcp.register(selector, SelectionKey.OP_ACCEPT, tcp);
    this.thread = new Thread(this::run, "nat-turn-server");
    thread.setDaemon(true);
    thread.start();
  }

  InetSocketAddress localAddress() throws IOException {
    return (InetSocketAddress) listen.getLocalAddress();
  }

  /** What the server counted: allocations, relayed packets and bytes, drops by reason. */
  Map<String, Long> counters() {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
    out.put("relayed-packets", relayedPackets);
    out.put("relayed-bytes", relayedBytes);
    return out;
  }

  /**
   * What each user with an allocation relayed, and the users whose allocations all ended as one
   * row ({@code ended}); no count goes down while the server runs.
   */
  Map<String, RelayedTotal> relayedByUser() {
    Map<String, RelayedTotal> out = new TreeMap<>(relayedByUser);
    out.put(ENDED, ended);
    return out;
  }

  /** The row of {@link #relayedByUser()} for users whose allocations all ended. */
  static final String ENDED = io.macula.nat.api.RelayTraffic.DEPARTED;

  /** The allocations now, their counters as last written by the server's thread. */
  List<io.macula.nat.turn.api.TurnAllocationInfo> allocationInfo() {
    List<io.macula.nat.turn.api.TurnAllocationInfo> out = new java.util.ArrayList<>();
    for (ServerAllocation a : byClient.values()) {
      out.add(new io.macula.nat.turn.api.TurnAllocationInfo(a.client, a.overTcp ? "tcp" : "udp",
          a.username, a.relayed, a.expires, a.permissions.size(), a.peerOfChannel.size(), a.packetsToPeers,
          a.bytesToPeers, a.packetsFromPeers, a.bytesFromPeers));
    }
    return out;
  }

  private void count(String what, long n) {
    counters.computeIfAbsent(what, k -> new LongAdder()).add(n);
  }

  private void run() {
    try {
      while (running) {
        selector.select(250);
        for (SelectionKey key : selector.selectedKeys()) {
          if (key.isValid() && (key.isReadable() || key.isAcceptable())) {
            try {
              if (key.attachment() instanceof ServerAllocation a) {
                readPeers(a);
              } else if (key.attachment() instanceof TcpClient c) {
                readTcp(c);
              } else if (key.attachment() == tcp) {
                accept();
              } else {
                readClients();
              }
            } catch (IOException e) {
              count("error-socket", 1); // one socket's trouble; the others serve on
            }
          }
        }
        selector.selectedKeys().clear();
        sweep();
      }
    } catch (IOException | ClosedSelectorException e) {
      // closed
    }
  }

  private void readClients() throws IOException {
    for (InetSocketAddress from; (from = (InetSocketAddress) listen.receive(in.clear())) != null; ) {
      in.flip();
      try {
        if (in.remaining() >= ChannelData.HEADER_LENGTH
            && ChannelData.isChannelData(in.get(0) & 0xFF, ChannelData.LAST_BYTE_RFC5766)) {
          channelData(from, in);
        } else {
          fromClient(from, Unpooled.wrappedBuffer(in));
        }
      } catch (IOException | RuntimeException e) {
        count("drop-client-error", 1); // a request we could not serve must not stop the server
      }
    }
  }

  private void accept() throws IOException {
    for (SocketChannel c; (c = tcp.accept()) != null; ) {
      c.configureBlocking(false);
      c.socket().setTcpNoDelay(true);
      InetSocketAddress remote = (InetSocketAddress) c.getRemoteAddress();
      TcpClient client = new TcpClient(c, remote, new StreamFramer(m -> {
        try {
          fromClient(remote, m);
        } catch (IOException | RuntimeException e) {
          count("drop-client-error", 1);
        }
      }, ChannelData.LAST_BYTE_RFC5766));
      tcpClients.put(remote, client);
      c.register(selector, SelectionKey.OP_READ, client);
    }
  }

  private void readTcp(TcpClient c) {
    try {
      int n = c.channel().read(in.clear());
      if (n < 0) {
        closeTcp(c);
        return;
      }
      in.flip();
      c.framer().received(Unpooled.wrappedBuffer(in));
    } catch (IOException | IllegalStateException e) {
      if (e instanceof IllegalStateException) {
        count("closed-tcp-out-of-step", 1);
      }
      closeTcp(c);
    }
  }

  /** A client's connection ended: its allocation ends with it (RFC 8656 §3.1). */
  private void closeTcp(TcpClient c) {
    tcpClients.remove(c.remote());
    try {
      c.channel().close();
    } catch (IOException e) {
      // closed already
    }
    ServerAllocation a = byClient.get(c.remote());
    if (a != null) {
      remove(a);
    }
  }

  private void fromClient(InetSocketAddress from, ByteBuf b) throws IOException {
    if (b.isReadable() && ChannelData.isChannelData(b.getUnsignedByte(0), ChannelData.LAST_BYTE_RFC5766)) {
      channelData(from, b.nioBuffer()); // over TCP: a framed message
      return;
    }
    StunMessage m;
    try {
      m = StunCodec.decode(b);
    } catch (StunParseException e) {
      count("drop-malformed", 1);
      return;
    }
    if (m.messageClass() == StunClass.INDICATION && m.method() == StunMessage.SEND) {
      sendIndication(from, m);
      return;
    }
    if (m.messageClass() != StunClass.REQUEST) {
      count("drop-not-request", 1);
      return;
    }
    List<Integer> unknown = StunCodec.unknownRequired(m);
    if (!unknown.isEmpty()) {
      unknown.forEach(type -> count(String.format("refused-unknown-attribute-0x%04x", type), 1));
      error(from, m, 420, "Unknown Attribute", null, new UnknownAttributes(unknown));
      return;
    }
    if (m.method() == StunMessage.BINDING) {
      respond(from, m, null, new XorMappedAddress(from));
      return;
    }
    Optional<Authenticated> auth = authenticate(from, m, b);
    if (auth.isEmpty()) {
      return;
    }
    switch (m.method()) {
      case StunMessage.ALLOCATE -> allocate(from, m, auth.get());
      case StunMessage.REFRESH -> refresh(from, m, auth.get());
      case StunMessage.CREATE_PERMISSION -> createPermission(from, m, auth.get());
      case StunMessage.CHANNEL_BIND -> channelBind(from, m, auth.get());
      default -> error(from, m, 400, "Bad Request", auth.get().key());
    }
  }

  /** RFC 8489 §9.2.4: the request's long-term credentials, or the error response that says why not. */
  private Optional<Authenticated> authenticate(InetSocketAddress from, StunMessage m, ByteBuf raw) throws IOException {
    ServerCredentials c = settings.credentials();
    if (m.attribute(MessageIntegrity.class).isEmpty()) {
      error(from, m, 401, "Unauthorized", null, new Realm(c.realm()), new Nonce(c.nonce()));
      return Optional.empty();
    }
    Optional<Username> user = m.attribute(Username.class);
    Optional<Realm> realm = m.attribute(Realm.class);
    Optional<Nonce> nonce = m.attribute(Nonce.class);
    if (user.isEmpty() || realm.isEmpty() || nonce.isEmpty()) {
      error(from, m, 400, "Bad Request", null);
      return Optional.empty();
    }
    if (!c.fresh(nonce.get().value())) {
      count("stale-nonce", 1);
      error(from, m, 438, "Stale Nonce", null, new Realm(c.realm()), new Nonce(c.nonce()));
      return Optional.empty();
    }
    Optional<byte[]> key = c.key(user.get().value());
    if (key.isEmpty() || !realm.get().value().equals(c.realm()) || !StunCodec.verifyIntegrity(raw, key.get())) {
      count("refused-credentials", 1);
      error(from, m, 401, "Unauthorized", null, new Realm(c.realm()), new Nonce(c.nonce()));
      return Optional.empty();
    }
    return Optional.of(new Authenticated(user.get().value(), key.get(), c.validUntil(user.get().value())));
  }

  private void allocate(InetSocketAddress from, StunMessage m, Authenticated auth) throws IOException {
    if (byClient.containsKey(from)) {
      error(from, m, 437, "Allocation Mismatch", auth.key());
      return;
    }
    Optional<RequestedTransport> transport = m.attribute(RequestedTransport.class);
    if (transport.isEmpty()) {
      error(from, m, 400, "Bad Request", auth.key());
      return;
    }
    if (transport.get().protocol() != RequestedTransport.UDP) {
      error(from, m, 442, "Unsupported Transport Protocol", auth.key());
      return;
    }
    int family = settings.relayIp().getAddress().length == 4 ? RequestedAddressFamily.IPV4 : RequestedAddressFamily.IPV6;
    if (m.attribute(RequestedAddressFamily.class).map(f -> f.family() != family).orElse(false)) {
      error(from, m, 440, "Address Family not Supported", auth.key());
      return;
    }
    // Whose it is: a REST username's user part, so renewed credentials do not make a new user.
    String user = ServerCredentials.user(auth.username());
    long mine = byClient.values().stream().filter(a -> ServerCredentials.user(a.username).equals(user)).count();
    if (mine >= settings.allocationsPerUser()) {
      count("refused-quota", 1);
      error(from, m, 486, "Allocation Quota Reached", auth.key());
      return;
    }
    DatagramChannel relay = relaySocket(m.attribute(EvenPort.class).isPresent());
    if (relay == null) {
      error(from, m, 508, "Insufficient Capacity", auth.key());
      return;
    }
    InetSocketAddress relayed = (InetSocketAddress) relay.getLocalAddress();
    Duration lifetime = lifetime(m, auth);
    ServerAllocation a = new ServerAllocation(from, tcpClients.containsKey(from), auth.username(), relay, relayed,
        now().plus(lifetime));
    a.relayedTotal = relayedByUser.computeIfAbsent(user, u -> new RelayedTotal());
    relay.register(selector, SelectionKey.OP_READ, a);
    byClient.put(from, a);
    count("allocations-made", 1);
    respond(from, m, auth.key(), new XorRelayedAddress(relayed), new XorMappedAddress(from),
        new Lifetime(lifetime.toSeconds()));
  }

  /**
   * A relayed socket on a port the system picks; an even one when asked (RTP). The next port is
   * not reserved: EVEN-PORT's R bit is not honoured, and no RESERVATION-TOKEN is given.
   */
  private DatagramChannel relaySocket(boolean even) throws IOException {
    for (int attempt = 0; attempt < 16; attempt++) {
      DatagramChannel relay = DatagramChannel.open(ListeningPort.family(settings.relayIp()));
      relay.bind(new InetSocketAddress(settings.relayIp(), 0));
      if (!even || ((InetSocketAddress) relay.getLocalAddress()).getPort() % 2 == 0) {
        relay.configureBlocking(false);
        return relay;
      }
      relay.close();
    }
    return null;
  }

  /**
   * The lifetime asked for, within the server's maximum and never past the credentials' expiry: an
   * allocation lives no longer than the time-limited credentials it was made with (as coturn's).
   */
  private Duration lifetime(StunMessage m, Authenticated auth) {
    Duration asked = m.attribute(Lifetime.class).map(l -> Duration.ofSeconds(l.seconds()))
        .orElse(settings.defaultLifetime());
    Duration left = Duration.between(now(), auth.validUntil());
    Duration max = left.compareTo(settings.maxLifetime()) < 0 ? left : settings.maxLifetime();
    return asked.compareTo(max) > 0 ? max : asked;
  }

  private void refresh(InetSocketAddress from, StunMessage m, Authenticated auth) throws IOException {
    ServerAllocation a = byClient.get(from);
    if (a == null) {
      error(from, m, 437, "Allocation Mismatch", auth.key());
      return;
    }
    if (!sameUser(a, from, m, auth)) {
      return;
    }
    Duration lifetime = lifetime(m, auth);
    if (lifetime.isZero()) {
      remove(a);
    } else {
      a.expires = now().plus(lifetime);
    }
    respond(from, m, auth.key(), new Lifetime(lifetime.toSeconds()));
  }

  /** RFC 8656 §5: an allocation's requests all come with the username it was made with; else 441. */
  private boolean sameUser(ServerAllocation a, InetSocketAddress from, StunMessage m, Authenticated auth)
      throws IOException {
    if (a.username.equals(auth.username())) {
      return true;
    }
    error(from, m, 441, "Wrong Credentials", auth.key());
    return false;
  }

  private void createPermission(InetSocketAddress from, StunMessage m, Authenticated auth) throws IOException {
    ServerAllocation a = byClient.get(from);
    if (a == null) {
      error(from, m, 437, "Allocation Mismatch", auth.key());
      return;
    }
    if (!sameUser(a, from, m, auth)) {
      return;
    }
    List<InetAddress> peers = new ArrayList<>();
    for (StunAttribute attribute : m.attributes()) {
      if (attribute instanceof XorPeerAddress p) {
        peers.add(p.address().getAddress());
      }
    }
    if (peers.isEmpty()) {
      error(from, m, 400, "Bad Request", auth.key());
      return;
    }
    if (!peers.stream().allMatch(settings.peers()::relays)) {
      count("refused-peer", 1);
      error(from, m, 403, "Forbidden", auth.key());
      return;
    }
    peers.forEach(p -> a.permissions.put(p, millis() + PERMISSION_LIFETIME.toMillis()));
    respond(from, m, auth.key());
  }

  private void channelBind(InetSocketAddress from, StunMessage m, Authenticated auth) throws IOException {
    ServerAllocation a = byClient.get(from);
    if (a == null) {
      error(from, m, 437, "Allocation Mismatch", auth.key());
      return;
    }
    if (!sameUser(a, from, m, auth)) {
      return;
    }
    Optional<ChannelNumber> channel = m.attribute(ChannelNumber.class);
    Optional<XorPeerAddress> peer = m.attribute(XorPeerAddress.class);
    if (channel.isEmpty() || !takes(channel.get().number()) || peer.isEmpty()) {
      error(from, m, 400, "Bad Request", auth.key());
      return;
    }
    if (!settings.peers().relays(peer.get().address().getAddress())) {
      count("refused-peer", 1);
      error(from, m, 403, "Forbidden", auth.key());
      return;
    }
    int number = channel.get().number();
    InetSocketAddress to = peer.get().address();
    InetSocketAddress bound = a.peerOfChannel.get(number);
    Integer existing = a.channelOfPeer.get(to);
    if ((bound != null && !bound.equals(to)) || (existing != null && existing != number)) {
      error(from, m, 400, "Bad Request", auth.key()); // a channel is bound to one peer, a peer to one channel
      return;
    }
    a.peerOfChannel.put(number, to);
    a.channelOfPeer.put(to, number);
    a.channelExpires.put(number, now().plus(CHANNEL_LIFETIME));
    a.permissions.put(to.getAddress(), millis() + PERMISSION_LIFETIME.toMillis());
    respond(from, m, auth.key());
  }

  /**
   * The channel numbers the server binds: RFC 8656's 0x4000-0x4FFF, and RFC 5766's up to 0x7FFE,
   * which clients of that RFC (coturn's among them) still pick. This socket carries TURN only, so
   * ChannelData starting 0x50-0x7F cannot be taken for anything else here.
   */
  static boolean takes(int channel) {
    return channel >= ChannelNumber.FIRST && channel <= 0x7FFE;
  }

  private void sendIndication(InetSocketAddress from, StunMessage m) throws IOException {
    ServerAllocation a = byClient.get(from);
    Optional<XorPeerAddress> peer = m.attribute(XorPeerAddress.class);
    Optional<Data> data = m.attribute(Data.class);
    if (a == null || peer.isEmpty() || data.isEmpty() || !a.permits(peer.get().address().getAddress(), millis())) {
      count("drop-send-indication", 1);
      return;
    }
    toPeer(a, peer.get().address(), ByteBuffer.wrap(data.get().value()));
  }

  /**
   * ChannelData from a client, in {@code b} from its position (its first byte already checked):
   * relayed to the channel's peer straight from {@code b}, no buffer made and nothing copied.
   * Over UDP it is the receive buffer itself: the relay's hot path.
   */
  private void channelData(InetSocketAddress from, ByteBuffer b) throws IOException {
    ServerAllocation a = byClient.get(from);
    int start = b.position();
    int length = b.remaining() < ChannelData.HEADER_LENGTH ? Integer.MAX_VALUE : b.getShort(start + 2) & 0xFFFF;
    InetSocketAddress peer = a == null || length > b.remaining() - ChannelData.HEADER_LENGTH ? null
        : a.peerOfChannel.get(b.getShort(start) & 0xFFFF);
    if (peer == null || !a.permits(peer.getAddress(), millis())) {
      count("drop-channel-data", 1);
      return;
    }
    b.position(start + ChannelData.HEADER_LENGTH).limit(start + ChannelData.HEADER_LENGTH + length);
    toPeer(a, peer, b);
  }

  private void toPeer(ServerAllocation a, InetSocketAddress peer, ByteBuffer data) throws IOException {
    int n = data.remaining();
    if (bandwidth.limits() && !bandwidth.take(n, System.nanoTime())) {
      count("drop-bandwidth-limit", 1);
      return;
    }
    a.relay.send(data, peer);
    a.packetsToPeers++;
    a.bytesToPeers += n;
    relayedPackets++;
    relayedBytes += n;
    a.relayedTotal.add(n);
  }

  /** What peers send to an allocation's relayed address: to its client, if the peer is permitted. */
  private void readPeers(ServerAllocation a) throws IOException {
    // Received behind room for a ChannelData header, written in place: the datagram goes on as it came.
    for (InetSocketAddress peer; (peer = (InetSocketAddress) a.relay.receive(in.clear().position(ChannelData.HEADER_LENGTH))) != null; ) {
      in.flip().position(ChannelData.HEADER_LENGTH);
      if (!a.permits(peer.getAddress(), millis())) {
        count("drop-peer-not-permitted", 1);
        continue;
      }
      int n = in.remaining();
      if (bandwidth.limits() && !bandwidth.take(n, System.nanoTime())) {
        count("drop-bandwidth-limit", 1);
        continue;
      }
      Integer channel = a.channelOfPeer.get(peer);
      try {
        if (channel != null && !a.overTcp) {
          in.putShort(0, (short) channel.intValue()).putShort(2, (short) n).position(0);
          listen.send(in, a.client);
          fromPeer(a, n);
          continue;
        }
        ByteBuf out = channel != null
            ? ChannelData.encode(ByteBufAllocator.DEFAULT, channel, in, true)
            : StunCodec.encode(ByteBufAllocator.DEFAULT, new StunMessage(StunClass.INDICATION, StunMessage.DATA,
                io.macula.nat.stun.api.TransactionId.random(), List.of(new XorPeerAddress(peer), new Data(bytes(in)))),
                null, false, true);
        if (a.overTcp) {
          sendTo(a.client, out);
        } else {
          sendOverUdp(a.client, out); // no lookup of a TCP client on the relay's hot path
        }
      } catch (IOException e) {
        count("drop-client-unreachable", 1);
        continue; // not relayed: dropped
      }
      fromPeer(a, n);
    }
  }

  /** Counts a datagram from a peer once it went on to the allocation's client. */
  private void fromPeer(ServerAllocation a, int n) {
    a.packetsFromPeers++;
    a.bytesFromPeers += n;
    relayedPackets++;
    relayedBytes += n;
    a.relayedTotal.add(n);
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private void respond(InetSocketAddress to, StunMessage request, byte[] key, StunAttribute... attributes)
      throws IOException {
    StunMessage m = new StunMessage(StunClass.SUCCESS_RESPONSE, request.method(), request.transactionId(),
        List.of(attributes));
    sendTo(to, StunCodec.encode(ByteBufAllocator.DEFAULT, m, key, false, true));
  }

  private void error(InetSocketAddress to, StunMessage request, int code, String reason, byte[] key,
      StunAttribute... more) throws IOException {
    List<StunAttribute> attributes = new ArrayList<>();
    attributes.add(new ErrorCode(code, reason));
    attributes.addAll(List.of(more));
    StunMessage m = new StunMessage(StunClass.ERROR_RESPONSE, request.method(), request.transactionId(), attributes);
    sendTo(to, StunCodec.encode(ByteBufAllocator.DEFAULT, m, key, false, true));
  }

  /**
   * To a client, over the connection it came on. A TCP client whose socket cannot take a whole
   * message now is not reading: it is closed, rather than let it hold up the server's one thread.
   */
  private void sendTo(InetSocketAddress to, ByteBuf message) throws IOException {
    TcpClient c = tcpClients.get(to);
    if (c == null) {
      sendOverUdp(to, message);
      return;
    }
    try {
      ByteBuffer b = message.nioBuffer();
      c.channel().write(b);
      if (b.hasRemaining()) {
        count("closed-tcp-not-reading", 1);
        closeTcp(c);
      }
    } finally {
      message.release();
    }
  }

  private void sendOverUdp(InetSocketAddress to, ByteBuf message) throws IOException {
    try {
      listen.send(message.nioBuffer(), to);
    } finally {
      message.release();
    }
  }

  private long millis() {
    return settings.clock().millis();
  }

  private Instant now() {
    return settings.clock().instant();
  }

  /** Once a second: allocations, permissions and channels whose time ran out go. */
  private void sweep() {
    Instant now = now();
    if (Duration.between(lastSweep, now).toMillis() < 1000) {
      return;
    }
    lastSweep = now;
    for (ServerAllocation a : List.copyOf(byClient.values())) {
      if (!a.expires.isAfter(now)) {
        remove(a);
      } else {
        a.expire(now);
      }
    }
  }

  private void remove(ServerAllocation a) {
    byClient.remove(a.client);
    String user = ServerCredentials.user(a.username);
    if (byClient.values().stream().noneMatch(o -> ServerCredentials.user(o.username).equals(user))) {
      RelayedTotal total = relayedByUser.remove(user);
      if (total != null) { // its last allocation: what it relayed joins the ended ones'
        ended.packets.add(total.packets.sum());
        ended.bytes.add(total.bytes.sum());
      }
    }
    try {
      a.relay.close();
    } catch (IOException e) {
      // closed already
    }
  }

  /** Allocations now. */
  int allocations() {
    return byClient.size();
  }

  @Override
  public void close() {
    running = false;
    try {
      selector.close();
      listen.close();
      tcp.close();
    } catch (IOException e) {
      // closed already
    }
    tcpClients.values().forEach(c -> {
      try {
        c.channel().close();
      } catch (IOException e) {
        // closed already
      }
    });
    byClient.values().forEach(a -> {
      try {
        a.relay.close();
      } catch (IOException e) {
        // closed already
      }
    });
  }
}
