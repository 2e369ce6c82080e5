package io.macula.nat.stun.internal;

import io.macula.nat.api.SharedSocket;
import io.macula.nat.api.StunHandler;
import io.macula.nat.stun.api.BindingLifetime;
import io.macula.nat.stun.api.BindingResult;
import io.macula.nat.stun.api.MappingBehavior;
import io.macula.nat.stun.api.NatDiscovery;
import io.macula.nat.stun.api.NatInfo;
import io.macula.nat.stun.api.NatListener;
import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.StunClient;
import io.macula.nat.stun.api.StunContext;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunRequestHandler;
import io.macula.nat.stun.api.StunServerAddress;
import io.macula.nat.stun.api.StunStatistics;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The node's STUN: client transactions and NAT behaviour discovery on the node's shared socket,
 * and the sorting of the STUN datagrams that reach it. Discovery runs at start and again every
 * {@code rediscover_s}, and whenever someone asks (the hub session does when the hub sees the node
 * at a new address). Servers come from the configuration, else from the {@link StunContext}s.
 */
@Component(
    service = {StunHandler.class, StunClient.class, NatDiscovery.class},
    configurationPid = StunComponent.PID,
    immediate = true)
@Designate(ocd = StunComponent.Config.class)
public final class StunComponent implements StunHandler, StunClient, NatDiscovery {
  static final String PID = "io.macula.nat.stun";

  @ObjectClassDefinition(
      name = "Macula NAT STUN",
      description = "STUN servers the node asks for its mapped address and its NAT's behaviour.")
  public @interface Config {
    @AttributeDefinition(
        required = false,
        description = "STUN servers, [user:password@]host:port, tried in order; none: those the node"
            + " knows otherwise (its hub's address: the hub answers STUN on its own port).")
    String[] stun__servers() default {};

    @AttributeDefinition(min = "0", description = "Seconds between NAT behaviour discoveries; 0: only at start"
        + " and when asked (the hub session asks when the hub sees the node at a new address).")
    long rediscover__s() default 300;

    @AttributeDefinition(min = "10", description = "First retransmission timeout of the discovery's probes, in ms;"
        + " a probe gives up after 15 times this.")
    long probe__rto__ms() default 100;

    @AttributeDefinition(min = "10", description = "RTO of Binding requests (RFC 8489 §6.2.1), in ms.")
    long binding__rto__ms() default 500;

    @AttributeDefinition(min = "1", description = "Rc: how many times a Binding request is sent in all.")
    int binding__rc() default 7;
  }

  private final Logger log;
  private final List<StunServerAddress> configured;
  private final Duration rediscover;
  private final ScheduledExecutorService timer;
  private final StunStack stack;
  private final Clock clock;
  private volatile Instant lastDiscovery = Instant.MIN;
  /** Measures how long the NAT keeps idle mappings, after each discovery that found one: its own thread, as it blocks. */
  private final java.util.concurrent.ExecutorService lifetimeThread;
  private final BindingLifetimeProbe lifetimeProbe;
  private final java.util.concurrent.atomic.AtomicBoolean measuring = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile BindingLifetime lifetime;

  // Optional and dynamic on both sides: the socket takes this component as its STUN handler.
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile SharedSocket socket;

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private final List<StunContext> contexts = new CopyOnWriteArrayList<>();

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private final List<NatListener> listeners = new CopyOnWriteArrayList<>();

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile StunServerComponent server;

  @Activate
  public StunComponent(Config config, @Reference(service = LoggerFactory.class) Logger log) {
    this.log = log;
    this.configured = parseServers(config.stun__servers());
    if (config.rediscover__s() < 0) {
      throw new IllegalArgumentException(PID + ": key 'rediscover_s' must be 0 or more, not " + config.rediscover__s());
    }
    if (config.probe__rto__ms() < 10 || config.binding__rto__ms() < 10) {
      throw new IllegalArgumentException(PID + ": keys 'probe_rto_ms' and 'binding_rto_ms' must be at least 10");
    }
    if (config.binding__rc() < 1) {
      throw new IllegalArgumentException(PID + ": key 'binding_rc' must be at least 1, not " + config.binding__rc());
    }
    this.rediscover = Duration.ofSeconds(config.rediscover__s());
    this.clock = Clock.systemUTC();
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nat-stun-timer");
      t.setDaemon(true);
      return t;
    });
    // Probes: sent at 0, 1, 3 and 7 RTO; given up at 15 RTO.
    RetransmissionSchedule probe = new RetransmissionSchedule(Duration.ofMillis(config.probe__rto__ms()), 4, 8);
    RetransmissionSchedule binding =
        new RetransmissionSchedule(Duration.ofMillis(config.binding__rto__ms()), config.binding__rc(), 16);
    this.stack = new StunStack(
        this::sendFromEndpoint, timer, this::localAddress, this::servers,
        () -> { StunServerComponent s = server; return s == null ? null : s.bindingServer(); },
        new StunStack.Settings(binding, probe), this::discovered, clock);
    timer.scheduleWithFixedDelay(this::maybeDiscover, 1, 1, TimeUnit.SECONDS);
    this.lifetimeProbe = new BindingLifetimeProbe(BindingLifetimeProbe.WAITS, clock);
    this.lifetimeThread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "nat-binding-lifetime");
      t.setDaemon(true);
      return t;
    });
  }

  static List<StunServerAddress> parseServers(String[] entries) {
    List<StunServerAddress> out = new ArrayList<>();
    for (String e : entries) {
      if (e.isBlank()) {
        continue;
      }
      try {
        out.add(StunServerAddress.parse(e));
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException(PID + ": key 'stun_servers': " + ex.getMessage(), ex);
      }
    }
    return List.copyOf(out);
  }

  @Deactivate
  void deactivate() {
    lifetimeThread.shutdownNow();
    timer.shutdownNow();
    stack.close();
  }

  private void sendFromEndpoint(InetSocketAddress to, ByteBuffer datagram) {
    SharedSocket s = socket;
    if (s == null) {
      throw new IllegalStateException("the node has no socket");
    }
    s.send(to, datagram);
  }

  private InetSocketAddress localAddress() {
    SharedSocket s = socket;
    return s == null ? new InetSocketAddress(0) : s.localAddress();
  }

  /** Discovers at start, and again when the last result is older than {@code rediscover_s}. */
  private void maybeDiscover() {
    try {
      tellSocket();
      if (socket == null || servers().isEmpty()) {
        return;
      }
      Instant now = clock.instant();
      boolean never = lastDiscovery.equals(Instant.MIN);
      boolean stale = !rediscover.isZero() && lastDiscovery.plus(rediscover).isBefore(now);
      if (never || stale) {
        lastDiscovery = now;
        stack.discover(); // on the schedule: the NAT's mapping lifetime is measured again only when due
      }
    } catch (RuntimeException e) {
      log.warn("NAT behaviour discovery could not start: {}", e.toString());
    }
  }

  /** What the node knows otherwise overrides silence: UDP that got through is not UDP blocked. */
  private NatInfo discovered(NatInfo found) {
    NatInfo info = found;
    for (StunContext c : contexts) {
      Optional<String> how = c.udpPasses();
      if (how.isPresent()) {
        info = info.udpPasses(how.get());
        break;
      }
    }
    log.info("NAT behaviour {}: {}", info.behavior(), info.detail());
    measureLifetime(info);
    for (NatListener l : listeners) {
      try {
        l.discovered(info);
      } catch (RuntimeException e) {
        log.warn("NAT listener {} failed", l, e);
      }
    }
    return info;
  }

  /**
   * Behind a NAT, measures how long it keeps an idle mapping, against the server discovery ran
   * against (one measurement at a time), and tells the socket, which keeps its paths' mappings
   * open within it.
   */
  private void measureLifetime(NatInfo info) {
    if (info.mapping() == MappingBehavior.NO_NAT) {
      lifetime = null; // no NAT, no mapping to keep: the socket goes back to its own checks
      return;
    }
    if (info.mapped().isEmpty() || info.server().isEmpty()) {
      return;
    }
    InetSocketAddress server = info.server().get();
    MeasuredAgainst last = lastMeasured;
    boolean due = measureAgain || last == null || !last.server().equals(server)
        || last.at().plus(MEASUREMENT_LASTS).isBefore(clock.instant());
    if (!due || !measuring.compareAndSet(false, true)) {
      return;
    }
    measureAgain = false;
    lastMeasured = new MeasuredAgainst(server, clock.instant());
    try {
      lifetimeThread.execute(() -> {
        try {
          java.net.InetAddress bound = localAddress().getAddress();
          BindingLifetime measured = lifetimeProbe.measure(server, bound.isAnyLocalAddress() ? null : bound);
          lifetime = measured;
          log.info("the NAT keeps an idle UDP mapping {} (measured against {})", measured.describe(), server);
        } catch (java.io.IOException e) {
          log.info("the NAT's mapping lifetime is not measured: {}", e.getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          log.warn("measuring the NAT's mapping lifetime failed", e);
        } finally {
          measuring.set(false);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      measuring.set(false); // deactivated
    }
  }

  /**
   * A measurement holds this long while discovery runs against the same server on its schedule:
   * nine sockets held for up to 40 s every few minutes would be waste. Discovery that someone asks
   * for (an operator, the hub session at a new address) measures again at once.
   */
  private static final Duration MEASUREMENT_LASTS = Duration.ofHours(1);

  /** When a measurement last started, and against which server (worked or not). */
  private record MeasuredAgainst(InetSocketAddress server, Instant at) {}

  private volatile MeasuredAgainst lastMeasured;
  /** Set by a discovery someone asked for: its result is measured again whatever the last said. */
  private volatile boolean measureAgain;

  /** What the socket was told last, and which socket (the timer thread's). */
  private SharedSocket toldSocket;
  private BindingLifetime told;

  /**
   * Tells the socket how long the NAT keeps idle mappings whenever that or the socket changed: a
   * socket bound anew learns it too, and one with no NAT any more goes back to its own checks.
   */
  private void tellSocket() {
    SharedSocket s = socket;
    BindingLifetime l = lifetime;
    if (s == null || (s == toldSocket && l == told)) {
      return;
    }
    s.mappingLifetime(keptFor(l));
    toldSocket = s;
    told = l;
  }

  /**
   * The lifetime the socket keeps mappings within: the measured one; none (a day) when there is
   * none, or when it was lost before the shortest wait (a measurement to distrust: no NAT forgets
   * a mapping that fast, and probes several times a second would follow).
   */
  static Duration keptFor(BindingLifetime l) {
    return l == null || l.atLeast().isZero() ? Duration.ofDays(1) : l.atLeast();
  }

  @Override
  public Optional<BindingLifetime> bindingLifetime() {
    return Optional.ofNullable(lifetime);
  }

  @Override
  public void received(InetSocketAddress sender, ByteBuffer datagram) {
    stack.received(localAddress(), sender, Unpooled.wrappedBuffer(datagram));
  }

  @Override
  public List<StunServerAddress> servers() {
    if (!configured.isEmpty()) {
      return configured;
    }
    List<StunServerAddress> known = new ArrayList<>();
    contexts.forEach(c -> known.addAll(c.defaultServers()));
    return List.copyOf(known);
  }

  @Override
  public CompletableFuture<BindingResult> binding(StunServerAddress stunServer) {
    return stack.binding(stunServer);
  }

  @Override
  public CompletableFuture<BindingResult> binding() {
    return stack.binding();
  }

  @Override
  public CompletableFuture<StunMessage> transact(
      InetSocketAddress to, StunMessage request, byte[] integrityKey, RetransmissionSchedule schedule) {
    return stack.transact(to, request, integrityKey, schedule);
  }

  @Override
  public CompletableFuture<StunMessage> transact(InetSocketAddress to, StunMessage request, byte[] integrityKey,
      RetransmissionSchedule schedule, BiConsumer<InetSocketAddress, ByteBuffer> via) {
    return stack.transact(to, request, integrityKey, schedule, via);
  }

  @Override
  public boolean responseArrived(ByteBuffer raw) {
    return stack.responseArrived(raw);
  }

  @Override
  public void send(InetSocketAddress to, StunMessage message, byte[] integrityKey) {
    stack.send(to, message, integrityKey);
  }

  @Override
  public AutoCloseable handleRequests(StunRequestHandler handler) {
    return stack.handleRequests(handler);
  }

  @Override
  public StunStatistics statistics() {
    StunStatistics client = stack.statistics();
    StunServerComponent s = server;
    if (s == null) {
      return client;
    }
    StunStatistics answers = s.counters().snapshot();
    java.util.Map<String, Long> drops = new java.util.TreeMap<>(client.drops());
    answers.drops().forEach((k, v) -> drops.merge(k, v, Long::sum));
    return new StunStatistics(client.transactions(), client.retransmissions(), client.responses(),
        client.timeouts(), client.requestsAnswered() + answers.requestsAnswered(), drops);
  }

  @Override
  public Optional<NatInfo> current() {
    return stack.current();
  }

  @Override
  public CompletableFuture<NatInfo> discover() {
    measureAgain = true;
    lastDiscovery = clock.instant();
    return stack.discover();
  }
}
