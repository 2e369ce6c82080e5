package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.SharedSocket;
import io.macula.nat.api.StunHandler;
import io.macula.nat.transport.api.CarriedStunHandler;
import io.macula.nat.transport.api.PacketCarrier;
import io.macula.nat.transport.api.RelayExchange;
import io.macula.nat.transport.api.RelayHandler;
import io.macula.nat.transport.api.TransportPath;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The bottom of the endpoint's pipeline. Inbound, it sorts each datagram by its first byte (RFC
 * 9443), after a claimed server (a TURN server) has had its own datagrams: STUN goes to the STUN
 * handler, relay frames (once their MAC checks) and QUIC go up, with their sender replaced by the
 * peer's virtual address; anything else is dropped and counted. Packets a carrier brought go up the
 * same way. Outbound, it sends what QUIC addressed to a virtual address down the peer's current
 * path.
 */
final class PathLayer extends ChannelDuplexHandler {
  private final Routes routes;
  private final DropCounters drops;
  private final Supplier<RelayHandler> relay;
  /** The relays this one takes packets from for the nodes it holds (a hub's mesh), or null. */
  private final Supplier<RelayExchange> exchange;
  private final RelayHandler.Forwarder forwarder;
  private final Supplier<StunHandler> stun;
  private final AddressToken tokens;
  private final RelaySequences sequences;
  /** The stream (TCP) this node holds to an address, or null: relay frames to it go that way. */
  private final java.util.function.Function<InetSocketAddress, PacketCarrier> streams;
  /** The relays this node is registered with or paired through, the key each gave it, and their kind. */
  private final Map<InetSocketAddress, TrustedRelay> trustedRelays = new ConcurrentHashMap<>();
  private final Map<InetSocketAddress, SharedSocket.ServerTraffic> claims = new ConcurrentHashMap<>();
  private volatile ChannelHandlerContext context;
  private volatile CarriedStunHandler carriedStun;
  /** Whether the socket is between a read and its batch's end (the event loop's only). */
  private boolean reading;
  /** Whether something written during the read batch waits for its end to be flushed (the event loop's only). */
  private boolean flushAtBatchEnd;

  PathLayer(
      Routes routes,
      DropCounters drops,
      Supplier<RelayHandler> relay,
      Supplier<RelayExchange> exchange,
      RelayHandler.Forwarder forwarder,
      Supplier<StunHandler> stun,
      AddressToken tokens,
      RelaySequences sequences,
      java.util.function.Function<InetSocketAddress, PacketCarrier> streams) {
    this.sequences = sequences;
    this.streams = streams;
    this.routes = routes;
    this.tokens = tokens;
    this.stun = stun;
    this.drops = drops;
    this.relay = relay;
    this.exchange = exchange;
    this.forwarder = forwarder;
  }

  /** A relay's key, and the kind of the paths through it. */
  private record TrustedRelay(byte[] key, PathKind kind) {}

  void trustRelay(InetSocketAddress relayAddress, byte[] key, PathKind kind) {
    if (key.length != RelayMac.KEY_LENGTH) {
      throw new IllegalArgumentException("a relay key has " + RelayMac.KEY_LENGTH + " bytes, not " + key.length);
    }
    if (kind != PathKind.HUB_RELAY && kind != PathKind.PEER_RELAY) {
      throw new IllegalArgumentException("a relay's paths are hub-relay or peer-relay ones, not " + kind.label());
    }
    // The same key again (a second pair through one relay) keeps its array, and so its sequence
    // numbers and replay window: a fresh one would start over and meet the relay's old window.
    trustedRelays.compute(relayAddress, (a, was) -> was != null && was.kind() == kind
        && java.util.Arrays.equals(was.key(), key) ? was : new TrustedRelay(key.clone(), kind));
  }

  void distrustRelay(InetSocketAddress relayAddress) {
    trustedRelays.remove(relayAddress);
  }

  SharedSocket.Claim claim(InetSocketAddress server, SharedSocket.ServerTraffic handler) {
    claims.put(server, handler);
    return () -> claims.remove(server, handler);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    context = ctx;
  }

  /**
   * A packet a carrier brought from {@code peer}: up to QUIC from the peer's route over that carrier.
   * On the channel's event loop; {@code packet} is released here.
   */
  void carried(TransportPath.Carried path, ByteBuf packet, boolean readComplete) {
    ChannelHandlerContext ctx = context;
    try {
      if (ctx == null) {
        return;
      }
      int first = packet.isReadable() ? packet.getUnsignedByte(packet.readerIndex()) : -1;
      if (RelayFrame.isRelayFrame(first) && path.kind() == PathKind.DIRECT) {
        // The hub relays over a node's TCP stream too: the frame is checked as one by UDP would be.
        relayed(ctx, path.peer(), packet, first);
        if (readComplete) {
          ctx.fireChannelReadComplete();
        }
        return;
      }
      if (PathProbe.isRequest(packet) || PathProbe.isAnswer(packet)) {
        carriedProbe(path, packet);
        return;
      }
      if (first >= 0 && first <= 3) {
        carriedStun(path, packet);
        return;
      }
      if (!packet.isReadable() || (packet.getUnsignedByte(packet.readerIndex()) & 0x40) == 0
          || (isLongHeader(packet) && !isVersion1(packet))) {
        drops.drop(DropCounters.CARRIED_NOT_QUIC); // a relay carries QUIC between peers, and probes, nothing else
        return;
      }
      Route route = routes.forCarried(path, isInitial(packet));
      if (route == null) {
        drops.drop(DropCounters.CARRIED_UNKNOWN_SENDER);
        return;
      }
      dialledAgain(route, packet);
      route.bytesReceived.add(packet.readableBytes());
      if (path.equals(route.path())) {
        route.arrivedOnPath();
      }
      ctx.fireChannelRead(new DatagramPacket(packet.retain(), (InetSocketAddress) ctx.channel().localAddress(),
          route.virtualAddress));
      if (readComplete) {
        ctx.fireChannelReadComplete();
      }
    } finally {
      packet.release();
    }
  }

  /**
   * A path probe, or its answer, that a carrier brought: answered back over the carrier, only on a
   * route with a proven peer, as one that came straight to the socket is.
   */
  private void carriedProbe(TransportPath.Carried path, ByteBuf probe) {
    Route r = routes.forCarried(path, false);
    byte[] key = r == null ? null : r.consentKey;
    if (r == null || r.peer() == null) {
      drops.drop(DropCounters.CARRIED_UNKNOWN_SENDER);
    } else if (key == null || !PathProbe.authentic(probe, key)) {
      drops.drop(DropCounters.PROBE_UNAUTHENTICATED);
    } else if (PathProbe.isAnswer(probe)) {
      PathProber.answered(r, probe, System.nanoTime());
    } else {
      ByteBuf answer = PathProbe.answer(context.alloc(), probe, key);
      try {
        path.carrier().send(path.peer(), answer.nioBuffer());
      } finally {
        answer.release();
      }
    }
  }

  /** A STUN message a carrier brought: to the handler ICE registered, if any. */
  private void carriedStun(TransportPath.Carried path, ByteBuf message) {
    CarriedStunHandler handler = carriedStun;
    if (handler == null) {
      drops.drop(DropCounters.CARRIED_STUN);
      return;
    }
    handler.received(path, message.nioBuffer(message.readerIndex(), message.readableBytes()));
  }

  AutoCloseable handleCarriedStun(CarriedStunHandler handler) {
    carriedStun = handler;
    return () -> {
      if (carriedStun == handler) {
        carriedStun = null;
      }
    };
  }

  /** Whether the socket is reading a batch now: a packet handed up then is flushed with the batch. */
  boolean reading() {
    return reading;
  }

  /**
   * Asks for one flush at the end of the read batch, for what was written during it: the socket
   * then sends the batch's packets in one system call (sendmmsg). On the event loop, while {@link
   * #reading()}.
   */
  void flushAtBatchEnd() {
    flushAtBatchEnd = true;
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    reading = false;
    if (flushAtBatchEnd) {
      flushAtBatchEnd = false;
      ctx.flush();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    reading = true;
    if (!(msg instanceof DatagramPacket packet)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      ByteBuf content = packet.content();
      if (!content.isReadable()) {
        drops.drop(DropCounters.EMPTY);
        return;
      }
      int first = content.getUnsignedByte(content.readerIndex());
      // Only a node that holds a TURN allocation has claims: the others skip the lookup.
      if (!claims.isEmpty() && (first <= 3 || (first >= 64 && first <= 79))) {
        SharedSocket.ServerTraffic claimed = claims.get(packet.sender());
        if (claimed != null && claimed.received(content.nioBuffer(content.readerIndex(), content.readableBytes()))) {
          return;
        }
      }
      if (first <= 3) {
        stun(ctx, packet);
      } else if (RelayFrame.isRelayFrame(first)) {
        relayed(ctx, packet.sender(), content, first);
      } else if ((first & 0x40) != 0) {
        quic(ctx, packet);
      } else {
        drops.drop(DropCounters.UNKNOWN_KIND);
      }
    } finally {
      packet.release();
    }
  }

  /**
   * A path probe of the route's goes out over a path, under the route's consent key (none goes
   * before a connection gave it one); written, and sent at {@link #flushProbes}, so that one tick's
   * probes leave in few system calls. On the event loop.
   */
  void sendProbe(Route route, TransportPath path, byte[] transaction) {
    ChannelHandlerContext ctx = context;
    byte[] key = route.consentKey;
    if (ctx == null || key == null) {
      return;
    }
    ByteBuf probe = PathProbe.request(ctx.alloc(), transaction, key);
    if (path instanceof TransportPath.Relayed r) {
      sendThroughRelay(ctx, r, probe, ctx.voidPromise());
    } else if (path instanceof TransportPath.Carried c) {
      try {
        c.carrier().send(c.peer(), probe.nioBuffer());
      } finally {
        probe.release();
      }
    } else {
      ctx.write(new DatagramPacket(probe, path.nextHop()), ctx.voidPromise());
    }
  }

  /** Sends the probes written since the last flush. On the event loop. */
  void flushProbes() {
    ChannelHandlerContext ctx = context;
    if (ctx != null) {
      ctx.flush();
    }
  }

  private void stun(ChannelHandlerContext ctx, DatagramPacket packet) {
    ByteBuf probe = packet.content();
    if (PathProbe.isRequest(probe) || PathProbe.isAnswer(probe)) {
      // Answered only to an address a route with a proven peer takes, and only under the pair's
      // key: nothing for strangers, and no consent from anyone but the peer.
      Route r = routes.byDirect(packet.sender());
      byte[] key = r == null ? null : r.consentKey;
      if (r == null || r.peer() == null) {
        drops.drop(DropCounters.UNKNOWN_SENDER);
      } else if (key == null || !PathProbe.authentic(probe, key)) {
        drops.drop(DropCounters.PROBE_UNAUTHENTICATED);
      } else if (PathProbe.isRequest(probe)) {
        ctx.writeAndFlush(new DatagramPacket(PathProbe.answer(ctx.alloc(), probe, key), packet.sender()));
      } else {
        PathProber.answered(r, probe, System.nanoTime());
      }
      return;
    }
    StunHandler handler = stun.get();
    if (handler == null) {
      drops.drop(DropCounters.STUN);
      return;
    }
    ByteBuf content = packet.content();
    handler.received(packet.sender(), content.nioBuffer(content.readerIndex(), content.readableBytes()));
  }

  private void quic(ChannelHandlerContext ctx, DatagramPacket packet) {
    ByteBuf content = packet.content();
    if (isLongHeader(content) && !isVersion1(content)) {
      drops.drop(DropCounters.BAD_VERSION); // both ends speak QUIC v1: anything else is noise
      return;
    }
    InetSocketAddress sender = packet.sender();
    Route route = routes.byDirect(sender);
    if (route == null) {
      if (!isInitial(content)) {
        drops.drop(DropCounters.UNKNOWN_SENDER);
        return;
      }
      route = routes.forNewSender(sender);
    } else {
      dialledAgain(route, content);
    }
    // An Initial with a valid Retry token proves its sender's address: its route can no longer be
    // pushed out by forged senders while the handshake runs.
    if (isInitial(content) && routes.isUnconfirmed(route) && validToken(content, sender)) {
      routes.validated(route);
    }
    route.bytesReceived.add(packet.content().readableBytes());
    if (route.path() instanceof TransportPath.Direct d && d.address().equals(sender)) {
      route.arrivedOnPath();
    }
    ctx.fireChannelRead(
        new DatagramPacket(packet.content().retainedSlice(), packet.recipient(), route.virtualAddress));
  }

  /**
   * A relay frame from {@code sender}: one to relay, if this node is the relay and the frame's MAC
   * is the sender's; or one the relay forwarded, up to QUIC, if its MAC is the relay's.
   */
  private void relayed(ChannelHandlerContext ctx, InetSocketAddress sender, ByteBuf content, int type) {
    if (content.readableBytes() <= RelayFrame.HEADER_LENGTH + RelayMac.LENGTH) {
      drops.drop(DropCounters.TRUNCATED);
      return;
    }
    if (type == RelayFrame.BETWEEN_RELAYS) {
      passed(sender, content);
      return;
    }
    NodeId node = RelayFrame.node(content);
    int at = content.readerIndex() + RelayFrame.HEADER_LENGTH;
    int length = content.readableBytes() - RelayFrame.HEADER_LENGTH - RelayMac.LENGTH;
    if (type == RelayFrame.TO_RELAY) {
      RelayHandler handler = relay.get();
      if (handler == null) {
        drops.drop(DropCounters.NO_RELAY);
        return;
      }
      // Only the node registered at the sender's address has its key: no forged sender is relayed,
      // and no frame of it twice (a replay would spend its relay allowance).
      if (!authentic(handler.relayKey(sender), content)) {
        return;
      }
      handler.relay(sender, node, content.nioBuffer(at, length), forwarder);
      return;
    }
    TrustedRelay trusted = trustedRelays.get(sender);
    if (trusted == null) {
      drops.drop(DropCounters.UNTRUSTED_RELAY);
      return;
    }
    if (!authentic(trusted.key(), content)) {
      return;
    }
    ByteBuf inner = content.slice(at, length);
    if (PathProbe.isRequest(inner) || PathProbe.isAnswer(inner)) {
      relayedProbe(ctx, new TransportPath.Relayed(sender, node, trusted.kind()), inner);
      return;
    }
    Route route = routes.forRelayed(node, sender, trusted.kind());
    route.bytesReceived.add(length);
    if (route.path() instanceof TransportPath.Relayed r && r.relay().equals(sender)) {
      route.arrivedOnPath();
    }
    // A slice, not skipBytes: Netty's QUIC header parser reads from index 0 of the buffer.
    ctx.fireChannelRead(new DatagramPacket(content.retainedSlice(at, length),
        (InetSocketAddress) ctx.channel().localAddress(), route.virtualAddress));
  }

  /** A frame another relay passed this one: on to its destination, if the sender's key signs it. */
  private void passed(InetSocketAddress sender, ByteBuf content) {
    if (content.readableBytes() <= RelayFrame.BETWEEN_HEADER_LENGTH + RelayMac.LENGTH) {
      drops.drop(DropCounters.TRUNCATED);
      return;
    }
    RelayExchange handler = exchange.get();
    if (handler == null) {
      drops.drop(DropCounters.NO_RELAY);
      return;
    }
    if (!authentic(handler.passKey(sender), content)) {
      return;
    }
    int at = content.readerIndex() + RelayFrame.BETWEEN_HEADER_LENGTH;
    int length = content.readableBytes() - RelayFrame.BETWEEN_HEADER_LENGTH - RelayMac.LENGTH;
    handler.passed(sender, RelayFrame.source(content), RelayFrame.node(content), content.nioBuffer(at, length),
        forwarder);
  }

  /**
   * A path probe that came through a relay from a peer: answered back through the relay, or taken
   * as the answer to the route's probe of that path; under the pair's consent key, as every probe.
   */
  private void relayedProbe(ChannelHandlerContext ctx, TransportPath.Relayed path, ByteBuf probe) {
    Route r = routes.byPeer(path.peer());
    byte[] key = r == null ? null : r.consentKey;
    if (r == null) {
      drops.drop(DropCounters.UNKNOWN_SENDER);
    } else if (key == null || !PathProbe.authentic(probe, key)) {
      drops.drop(DropCounters.PROBE_UNAUTHENTICATED);
    } else if (PathProbe.isRequest(probe)) {
      sendThroughRelay(ctx, path, PathProbe.answer(ctx.alloc(), probe, key), ctx.voidPromise());
      ctx.flush();
    } else {
      PathProber.answered(r, probe, System.nanoTime());
    }
  }

  /** Whether a frame's MAC holds under {@code key}, for a sequence number not taken before; counted if not. */
  private boolean authentic(byte[] key, ByteBuf frame) {
    if (key == null) {
      drops.drop(DropCounters.BAD_RELAY_MAC);
      return false;
    }
    ReplayWindow window = sequences.of(key).received;
    long sequence = window.infer(RelayFrame.sequence(frame));
    if (!RelayMac.verify(key, sequence, frame)) {
      drops.drop(DropCounters.BAD_RELAY_MAC);
      return false;
    }
    if (!window.accept(sequence)) {
      drops.drop(DropCounters.REPLAYED_RELAY_FRAME);
      return false;
    }
    return true;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof DatagramPacket packet)) {
      ctx.write(msg, promise);
      return;
    }
    Route route = routes.byVirtual(packet.recipient());
    if (route == null) {
      if (Routes.isVirtual(packet.recipient())) {
        // A connection's last packets after its route went: there is nowhere to send them.
        drops.drop(DropCounters.NO_ROUTE);
        packet.release();
        promise.trySuccess();
        return;
      }
      // Not a virtual address: a packet the endpoint sends on its own (relay frames, STUN).
      ctx.write(msg, promise);
      return;
    }
    ByteBuf content = packet.content();
    TransportPath path = route.path();
    if (PathProber.withoutConsent(route, path)) {
      // RFC 7675: the peer answered no probe on this path for 30 s; only probes go on it now.
      drops.drop(DropCounters.NO_CONSENT);
      packet.release();
      promise.trySuccess();
      return;
    }
    route.sent(content.readableBytes());
    if (path instanceof TransportPath.Relayed r) {
      sendThroughRelay(ctx, r, content, promise);
    } else if (path instanceof TransportPath.Carried c) {
      try {
        c.carrier().send(c.peer(), content.nioBuffer(content.readerIndex(), content.readableBytes()));
      } finally {
        packet.release();
        promise.trySuccess();
      }
    } else {
      ctx.write(new DatagramPacket(content, path.nextHop()), promise);
    }
  }

  /**
   * Sends {@code content} (released here) to the relay of {@code path}, in a frame for the peer
   * under the key the relay gave this node; dropped and counted while this node has none.
   */
  private void sendThroughRelay(ChannelHandlerContext ctx, TransportPath.Relayed path, ByteBuf content,
      ChannelPromise promise) {
    TrustedRelay trusted = trustedRelays.get(path.relay());
    if (trusted == null) {
      drops.drop(DropCounters.UNTRUSTED_RELAY); // no session with that relay (yet): nothing it would take
      content.release();
      promise.trySuccess();
      return;
    }
    byte[] key = trusted.key();
    // Header, packet and MAC side by side: the packet is not copied.
    ByteBuf header = ctx.alloc().ioBuffer(RelayFrame.HEADER_LENGTH);
    long sequence = sequences.of(key).next.getAndIncrement();
    RelayFrame.writeHeader(header, RelayFrame.TO_RELAY, sequence, path.peer());
    ByteBuf mac = ctx.alloc().ioBuffer(RelayMac.LENGTH).writeBytes(RelayMac.of(key, sequence, header, content));
    ByteBuf frame = ctx.alloc().compositeDirectBuffer(3).addComponents(true, header, content, mac);
    PacketCarrier stream = streams.apply(path.relay());
    if (stream != null) {
      // This node reaches the relay over a TCP stream (UDP is blocked): the frame goes on it.
      try {
        stream.send(path.relay(), frame.nioBuffer());
      } finally {
        frame.release();
        promise.trySuccess();
      }
      return;
    }
    ctx.write(new DatagramPacket(frame, path.relay()), promise);
  }

  private boolean validToken(ByteBuf initial, InetSocketAddress sender) {
    ByteBuf token = initialToken(initial);
    return token.isReadable() && tokens.validFor(token, Routes.directOrigin(sender));
  }

  /**
   * The token of an Initial, RFC 9000 §17.2.2: after the version, the two connection ids (each
   * behind its length byte) and the token's variable-length length; empty when there is none or
   * the packet is cut short.
   */
  static ByteBuf initialToken(ByteBuf b) {
    int at = b.readerIndex() + 5;
    int end = b.writerIndex();
    for (int cid = 0; cid < 2; cid++) {
      if (at >= end) {
        return io.netty.buffer.Unpooled.EMPTY_BUFFER;
      }
      at += 1 + b.getUnsignedByte(at);
    }
    if (at >= end) {
      return io.netty.buffer.Unpooled.EMPTY_BUFFER;
    }
    int size = 1 << (b.getUnsignedByte(at) >> 6);
    if (at + size > end) {
      return io.netty.buffer.Unpooled.EMPTY_BUFFER;
    }
    long length = b.getUnsignedByte(at) & 0x3f;
    for (int i = 1; i < size; i++) {
      length = (length << 8) | b.getUnsignedByte(at + i);
    }
    at += size;
    return length <= 0 || length > end - at ? io.netty.buffer.Unpooled.EMPTY_BUFFER : b.slice(at, (int) length);
  }

  private static boolean isLongHeader(ByteBuf b) {
    return (b.getUnsignedByte(b.readerIndex()) & 0x80) != 0;
  }

  /** A remote client's Initial on a route in use: its peer dials again, the route must outlive the old connection. */
  private void dialledAgain(Route route, ByteBuf packet) {
    if (route.uses > 0 && isInitial(packet) && Boolean.FALSE.equals(ConnectionIds.isForClient(packet))) {
      routes.handshakeArrived(route);
    }
  }

  /** RFC 9000 §17.2: the version follows the first byte of a long header. */
  private static boolean isVersion1(ByteBuf b) {
    return b.readableBytes() >= 5 && b.getInt(b.readerIndex() + 1) == 1;
  }

  /**
   * A long-header Initial packet of a client, RFC 9000 §17.2.2 and §14.1 (padded to 1200 bytes):
   * the only packet that may come from a sender not yet known.
   */
  private static boolean isInitial(ByteBuf b) {
    int first = b.getUnsignedByte(b.readerIndex());
    return (first & 0x80) != 0 && ((first & 0x30) >> 4) == 0 && b.readableBytes() >= 1200;
  }
}
