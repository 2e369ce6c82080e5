package io.macula.nat.stun.internal;

import io.macula.nat.stun.api.BindingResult;
import io.macula.nat.stun.api.NatInfo;
import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunClient;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunRequestHandler;
import io.macula.nat.stun.api.StunServerAddress;
import io.macula.nat.stun.api.StunStatistics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The STUN client side of one socket: transactions, Binding with credentials, and NAT behaviour
 * discovery; and the sorting of what arrives, with requests handed to a server when there is one.
 */
final class StunStack implements StunClient, AutoCloseable {
  /** What a stack needs from the node around it. */
  record Settings(RetransmissionSchedule binding, RetransmissionSchedule probe) {}

  private final StunCounters counters = new StunCounters();
  private final ClientTransactions transactions;
  private final StunReceiver receiver;
  private final BindingClient bindings;
  private final BehaviorDiscovery discovery;
  private final Supplier<InetSocketAddress> local;
  private final DatagramSender sender;
  private final List<StunRequestHandler> requestHandlers = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Supplier<List<StunServerAddress>> servers;
  private final UnaryOperator<NatInfo> discovered;
  private final ExecutorService discoveryThread;
  private volatile NatInfo current;
  private CompletableFuture<NatInfo> running; // guarded by this

  StunStack(
      DatagramSender sender,
      ScheduledExecutorService timer,
      Supplier<InetSocketAddress> local,
      Supplier<List<StunServerAddress>> servers,
      Supplier<BindingServer> server,
      Settings settings,
      UnaryOperator<NatInfo> discovered,
      Clock clock) {
    this.transactions = new ClientTransactions(sender, timer, counters);
    this.receiver = new StunReceiver(transactions, server, () -> requestHandlers, counters);
    this.sender = sender;
    this.bindings = new BindingClient(transactions, settings.binding());
    BindingClient probeBindings = new BindingClient(transactions, settings.probe());
    this.discovery = new BehaviorDiscovery(probeBindings, transactions, receiver, settings.probe(), clock);
    this.local = local;
    this.servers = servers;
    this.discovered = discovered;
    this.discoveryThread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "nat-stun-discovery");
      t.setDaemon(true);
      return t;
    });
  }

  /** A datagram arrived at {@code at}; the caller keeps {@code raw}. Never throws. */
  void received(InetSocketAddress at, InetSocketAddress sender, ByteBuf raw) {
    receiver.received(at, sender, raw);
  }

  StunCounters counters() {
    return counters;
  }

  @Override
  public List<StunServerAddress> servers() {
    return servers.get();
  }

  @Override
  public CompletableFuture<BindingResult> binding(StunServerAddress server) {
    return bindings.binding(server);
  }

  @Override
  public CompletableFuture<BindingResult> binding() {
    List<StunServerAddress> all = servers.get();
    if (all.isEmpty()) {
      return CompletableFuture.failedFuture(new IllegalStateException("no STUN server configured or known"));
    }
    return tryFrom(all, 0, null);
  }

  private CompletableFuture<BindingResult> tryFrom(List<StunServerAddress> all, int i, Throwable last) {
    if (i == all.size()) {
      return CompletableFuture.failedFuture(last);
    }
    return bindings.binding(all.get(i))
        .handle((r, e) -> e == null ? CompletableFuture.completedFuture(r) : tryFrom(all, i + 1, unwrap(e)))
        .thenCompose(f -> f);
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  @Override
  public CompletableFuture<StunMessage> transact(
      InetSocketAddress server, StunMessage request, byte[] integrityKey, RetransmissionSchedule schedule) {
    return transactions.start(server, request, integrityKey, schedule);
  }

  @Override
  public CompletableFuture<StunMessage> transact(InetSocketAddress to, StunMessage request, byte[] integrityKey,
      RetransmissionSchedule schedule, BiConsumer<InetSocketAddress, ByteBuffer> via) {
    return transactions.start(to, request, integrityKey, schedule, via::accept);
  }

  @Override
  public boolean responseArrived(ByteBuffer raw) {
    ByteBuf b = Unpooled.wrappedBuffer(raw.duplicate());
    StunMessage m = receiver.decode(b);
    return m != null && (m.messageClass() == StunClass.SUCCESS_RESPONSE || m.messageClass() == StunClass.ERROR_RESPONSE)
        && transactions.onResponse(b, m);
  }

  @Override
  public void send(InetSocketAddress to, StunMessage message, byte[] integrityKey) {
    ByteBuf out = StunCodec.encode(ByteBufAllocator.DEFAULT, message, integrityKey, false, true);
    try {
      sender.send(to, out.nioBuffer());
    } finally {
      out.release();
    }
  }

  @Override
  public AutoCloseable handleRequests(StunRequestHandler handler) {
    requestHandlers.add(handler);
    return () -> requestHandlers.remove(handler);
  }

  @Override
  public StunStatistics statistics() {
    return counters.snapshot();
  }

  /** The last discovery's result, if one ran. */
  public Optional<NatInfo> current() {
    return Optional.ofNullable(current);
  }

  /** Runs discovery now, or joins the one running. */
  public synchronized CompletableFuture<NatInfo> discover() {
    if (running != null && !running.isDone()) {
      return running; // one discovery at a time: they share the socket's mapping
    }
    CompletableFuture<NatInfo> f = new CompletableFuture<>();
    running = f;
    discoveryThread.execute(() -> {
      try {
        NatInfo info = discovered.apply(discovery.discover(servers.get(), local.get()));
        current = info;
        f.complete(info);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        f.completeExceptionally(e);
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    });
    return f;
  }

  @Override
  public void close() {
    discoveryThread.shutdownNow();
    transactions.close();
  }
}
