package io.macula.nat.turn.internal;

import io.macula.nat.stun.api.ChannelNumber;
import io.macula.nat.stun.api.Data;
import io.macula.nat.stun.api.Lifetime;
import io.macula.nat.stun.api.StunAttribute;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.TransactionId;
import io.macula.nat.stun.api.XorPeerAddress;
import io.netty.buffer.ByteBuf;
import io.macula.nat.turn.api.RelayedAddress;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A relayed transport address on a TURN server, RFC 8656: kept alive by Refresh before its
 * lifetime runs out, with permissions (5 minutes, refreshed every 4 while used) and channels (10
 * minutes, refreshed every 9 while used). Data goes to a peer as ChannelData once a channel is
 * bound to it, else in a Send indication; what peers send comes back the same two ways.
 */
final class Allocation implements RelayedAddress, AutoCloseable {
  static final Duration PERMISSION_REFRESH = Duration.ofMinutes(4);
  static final Duration CHANNEL_REFRESH = Duration.ofMinutes(9);

  private final TurnClient client;
  private final ScheduledExecutorService timer;
  private final InetSocketAddress relayed;
  private final Optional<InetSocketAddress> mapped;
  private volatile Duration lifetime;
  private final Set<InetAddress> permitted = ConcurrentHashMap.newKeySet();
  private final Set<InetAddress> usedSinceRefresh = ConcurrentHashMap.newKeySet();
  private final Map<InetSocketAddress, Integer> channelOf = new ConcurrentHashMap<>();
  private final Map<Integer, InetSocketAddress> peerOf = new ConcurrentHashMap<>();
  private final Set<Integer> channelsUsed = ConcurrentHashMap.newKeySet();
  /** Peers a ChannelBind is under way for: data to them goes in Send indications meanwhile. */
  private final Set<InetSocketAddress> binding = ConcurrentHashMap.newKeySet();
  private final AtomicInteger nextChannel = new AtomicInteger(ChannelNumber.FIRST);
  private final List<ScheduledFuture<?>> refreshers = new ArrayList<>();
  private volatile BiConsumer<InetSocketAddress, ByteBuf> onData = (peer, data) -> { };
  private volatile ScheduledFuture<?> allocationRefresh;
  private volatile boolean closed;

  Allocation(TurnClient client, ScheduledExecutorService timer, InetSocketAddress relayed,
      Optional<InetSocketAddress> mapped, Duration lifetime) {
    this.client = client;
    this.timer = timer;
    this.relayed = relayed;
    this.mapped = mapped;
    this.lifetime = lifetime;
    scheduleRefresh();
    refreshers.add(timer.scheduleAtFixedRate(this::refreshPermissions,
        PERMISSION_REFRESH.toMillis(), PERMISSION_REFRESH.toMillis(), TimeUnit.MILLISECONDS));
    refreshers.add(timer.scheduleAtFixedRate(this::refreshChannels,
        CHANNEL_REFRESH.toMillis(), CHANNEL_REFRESH.toMillis(), TimeUnit.MILLISECONDS));
  }

  @Override
  public InetSocketAddress relayed() {
    return relayed;
  }

  @Override
  public InetSocketAddress server() {
    return client.transport().server();
  }

  @Override
  public String transport() {
    return client.transport().name();
  }

  @Override
  public java.time.Instant expires() {
    return client.credentials().expires();
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  @Override
  public CompletableFuture<Void> permit(Collection<InetAddress> peers) {
    return permit(peers.toArray(InetAddress[]::new));
  }

  @Override
  public void receiver(BiConsumer<InetSocketAddress, ByteBuffer> receiver) {
    onData((peer, data) -> receiver.accept(peer, data.nioBuffer(data.readerIndex(), data.readableBytes())));
  }

  @Override
  public String describe() {
    return "turn " + text(server()) + "/" + transport() + " relayed " + text(relayed);
  }

  private static String text(InetSocketAddress a) {
    return new io.macula.nat.api.HostPort(a.getAddress().getHostAddress(), a.getPort()).toString();
  }

  @Override
  public io.macula.nat.api.PathKind kind() {
    return io.macula.nat.api.PathKind.TURN;
  }

  @Override
  public String toString() {
    return describe();
  }

  /** This client's address as the server saw it. */
  Optional<InetSocketAddress> mapped() {
    return mapped;
  }

  Duration lifetime() {
    return lifetime;
  }

  /** Where what peers send goes: the peer, and the data (valid only during the call). */
  void onData(BiConsumer<InetSocketAddress, ByteBuf> handler) {
    this.onData = handler;
  }

  /** Lets these peers' addresses send to the relayed address (any port of theirs), RFC 8656 §9. */
  CompletableFuture<Void> permit(InetAddress... peers) {
    if (permitted.containsAll(List.of(peers))) {
      usedSinceRefresh.addAll(List.of(peers)); // asked for again: kept at the next refresh
      return CompletableFuture.completedFuture(null);
    }
    return createPermission(peers);
  }

  /** A CreatePermission for these peers, held or not: a new permission, or a refresh. */
  private CompletableFuture<Void> createPermission(InetAddress... peers) {
    List<StunAttribute> attributes = new ArrayList<>();
    for (InetAddress p : peers) {
      attributes.add(new XorPeerAddress(new InetSocketAddress(p, 0)));
    }
    return client.request(StunMessage.CREATE_PERMISSION, attributes)
        .whenComplete((ok, e) -> checkAfterRefusal(e))
        .thenRun(() -> permitted.addAll(List.of(peers)));
  }

  /**
   * A request on the allocation refused with 437 (no such allocation) or 400: the server may have
   * ended it (coturn was seen to, when a send to a peer failed, and to answer 400 to what followed).
   * A Refresh tells: when it is refused too, the allocation lapses here, and the next use of the TURN
   * client allocates anew.
   */
  private void checkAfterRefusal(Throwable e) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof TurnException t && (t.code() == 437 || t.code() == 400) && !closed) {
      refresh();
    }
  }

  /** Binds a channel to a peer, RFC 8656 §12: data to and from it then goes as ChannelData. */
  CompletableFuture<Integer> bind(InetSocketAddress peer) {
    Integer existing = channelOf.get(peer);
    int channel = existing != null ? existing : nextChannel.getAndIncrement();
    if (channel > ChannelNumber.LAST) {
      return CompletableFuture.failedFuture(new TurnException(508, "every channel number is taken"));
    }
    return client.request(StunMessage.CHANNEL_BIND, List.of(new ChannelNumber(channel), new XorPeerAddress(peer)))
        .whenComplete((ok, e) -> checkAfterRefusal(e))
        .thenApply(ok -> {
          channelOf.put(peer, channel);
          peerOf.put(channel, peer);
          permitted.add(peer.getAddress()); // a channel installs a permission too
          return channel;
        });
  }

  /** Sends data to a peer through the relay; the peer must be permitted (or have a channel). */
  @Override
  public void send(InetSocketAddress peer, ByteBuffer data) {
    Integer channel = channelOf.get(peer);
    usedSinceRefresh.add(peer.getAddress());
    if (channel != null) {
      channelsUsed.add(channel);
      client.transport().send(ChannelData.encode(ByteBufAllocator.DEFAULT, channel, data, client.transport().reliable()));
      return;
    }
    if (!closed && binding.add(peer)) {
      // 4 bytes of header per packet instead of a Send indication's 36 from the next one on
      bind(peer).whenComplete((c, e) -> binding.remove(peer));
    }
    byte[] bytes = new byte[data.remaining()];
    data.duplicate().get(bytes);
    client.indicate(new StunMessage(StunClass.INDICATION, StunMessage.SEND, TransactionId.random(),
        List.of(new XorPeerAddress(peer), new Data(bytes))));
  }

  /** A Data indication from the server; false if it does not carry a peer and data. */
  boolean dataIndication(StunMessage m) {
    Optional<XorPeerAddress> peer = m.attribute(XorPeerAddress.class);
    Optional<Data> data = m.attribute(Data.class);
    if (peer.isEmpty() || data.isEmpty()) {
      return false;
    }
    usedSinceRefresh.add(peer.get().address().getAddress());
    deliver(peer.get().address(), io.netty.buffer.Unpooled.wrappedBuffer(data.get().value()));
    return true;
  }

  /** ChannelData from the server; false for a channel not bound here. */
  boolean channelData(ChannelData cd) {
    InetSocketAddress peer = peerOf.get(cd.channel());
    if (peer == null) {
      return false;
    }
    channelsUsed.add(cd.channel());
    usedSinceRefresh.add(peer.getAddress());
    deliver(peer, cd.data());
    return true;
  }

  private void deliver(InetSocketAddress peer, ByteBuf data) {
    onData.accept(peer, data);
  }

  /** Refreshes the allocation now: the server answers with the lifetime it grants. */
  CompletableFuture<Duration> refresh() {
    CompletableFuture<Duration> granted = client.request(StunMessage.REFRESH,
            List.of(new Lifetime(TurnClient.REQUESTED_LIFETIME.toSeconds())))
        .thenApply(answer -> {
          lifetime = Duration.ofSeconds(answer.attribute(Lifetime.class).map(Lifetime::seconds).orElse(600L));
          scheduleRefresh();
          return lifetime;
        });
    // A refused or unanswered Refresh: the server lets the allocation lapse, and so does this side.
    granted.whenComplete((d, e) -> {
      if (e != null) {
        stop();
      }
    });
    return granted;
  }

  /** A minute before the lifetime runs out (half of it when it is short). */
  private void scheduleRefresh() {
    if (closed) {
      return;
    }
    long seconds = lifetime.toSeconds();
    long in = seconds > 120 ? seconds - 60 : Math.max(1, seconds / 2);
    ScheduledFuture<?> old = allocationRefresh;
    allocationRefresh = timer.schedule(this::refresh, in, TimeUnit.SECONDS);
    if (old != null) {
      old.cancel(false);
    }
  }

  private void refreshPermissions() {
    List<InetAddress> used = new ArrayList<>(usedSinceRefresh);
    usedSinceRefresh.clear();
    used.retainAll(permitted);
    permitted.retainAll(used); // a permission nobody used lapses on the server: forget it here too
    if (!used.isEmpty()) {
      createPermission(used.toArray(InetAddress[]::new));
    }
  }

  private void refreshChannels() {
    List<Integer> used = new ArrayList<>(channelsUsed);
    channelsUsed.clear();
    for (int channel : used) {
      InetSocketAddress peer = peerOf.get(channel);
      if (peer != null) {
        bind(peer);
      }
    }
  }

  /** Deletes the allocation on the server (a Refresh with LIFETIME 0) and stops refreshing it. */
  CompletableFuture<Void> release() {
    if (!stop()) {
      return CompletableFuture.completedFuture(null);
    }
    return client.request(StunMessage.REFRESH, List.of(new Lifetime(0))).thenRun(() -> { });
  }

  /** Stops refreshing; false if stopped before. */
  private synchronized boolean stop() {
    if (closed) {
      return false;
    }
    closed = true;
    refreshers.forEach(r -> r.cancel(false));
    ScheduledFuture<?> r = allocationRefresh;
    if (r != null) {
      r.cancel(false);
    }
    client.forget(this);
    return true;
  }

  @Override
  public void close() {
    release();
  }
}
