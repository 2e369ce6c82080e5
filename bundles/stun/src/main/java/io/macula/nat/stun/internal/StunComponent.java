package io.macula.nat.stun.internal;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.peer.api.HubSession;
import io.macula.nat.stun.api.BindingResult;
import io.macula.nat.stun.api.NatDiscovery;
import io.macula.nat.stun.api.NatInfo;
import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.StunClient;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunRequestHandler;
import io.macula.nat.stun.api.StunServerAddress;
import io.macula.nat.stun.api.StunStatistics;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.StunHandler;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * The node's STUN: client transactions and NAT behaviour discovery on the endpoint's shared
 * socket, and the sorting of the STUN datagrams that reach it. Discovery runs at start, when the hub
 * sees the node at a new address, and again every {@code rediscover_s}.
 */
@Component(
    service = {StunHandler.class, StunClient.class, NatDiscovery.class},
    configurationPid = StunComponent.PID,
    immediate = true)
@Designate(ocd = StunComponent.Config.class)
public final class StunComponent implements StunHandler, StunClient, NatDiscovery {
  static final String PID = "io.macula.nat.stun";
  private static final Duration RETRY_FAILED = Duration.ofSeconds(10);

  @ObjectClassDefinition(
      name = "Macula NAT STUN",
      description = "STUN servers the node asks for its mapped address and its NAT's behaviour.")
  public @interface Config {
    @AttributeDefinition(
        required = false,
        description = "STUN servers, [user:password@]host:port, tried in order; none: the hub's address"
            + " (the hub answers STUN on its own port).")
    String[] stun__servers() default {};

    @AttributeDefinition(min = "0", description = "Seconds between NAT behaviour discoveries; 0: only when the hub"
        + " session comes up or the node's observed address changes.")
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
  private volatile Optional<InetSocketAddress> lastObserved = Optional.empty();
  private volatile Instant lastDiscovery = Instant.MIN;

  // Optional and dynamic on both sides: the endpoint takes this component as its STUN handler.
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile Endpoint endpoint;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile HubSession hubSession;

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
        new StunStack.Settings(binding, probe), this::discovered, Clock.systemUTC());
    timer.scheduleWithFixedDelay(this::maybeDiscover, 1, 1, TimeUnit.SECONDS);
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
    timer.shutdownNow();
    stack.close();
  }

  private void sendFromEndpoint(InetSocketAddress to, ByteBuffer datagram) {
    Endpoint e = endpoint;
    if (e == null) {
      throw new IllegalStateException("the node has no endpoint");
    }
    e.send(to, datagram);
  }

  private InetSocketAddress localAddress() {
    Endpoint e = endpoint;
    return e == null ? new InetSocketAddress(0) : e.localAddress();
  }

  /** Discovers at start, when the hub sees the node at a new address, and when the last result is old. */
  private void maybeDiscover() {
    try {
      HubSession session = hubSession;
      if (endpoint == null || servers().isEmpty()) {
        return;
      }
      Optional<InetSocketAddress> observed = session == null ? Optional.empty() : session.observedAddress();
      boolean moved = observed.isPresent() && lastObserved.isPresent() && !observed.equals(lastObserved);
      // A run that got no mapped address (before the hub session was up, say) is tried again soon.
      boolean failedLately = session != null && session.isConnected()
          && stack.current().map(i -> i.mapped().isEmpty()).orElse(false)
          && lastDiscovery.plus(RETRY_FAILED).isBefore(Instant.now());
      if (observed.isPresent()) {
        lastObserved = observed;
      }
      boolean stale = !rediscover.isZero() && lastDiscovery.plus(rediscover).isBefore(Instant.now());
      boolean never = lastDiscovery.equals(Instant.MIN);
      if (moved || failedLately || stale || never) {
        lastDiscovery = Instant.now();
        stack.discover();
      }
    } catch (RuntimeException e) {
      log.warn("NAT behaviour discovery could not start: {}", e.toString());
    }
  }

  private NatInfo discovered(NatInfo found) {
    HubSession session = hubSession;
    // The hub session runs over UDP: while it is up, silence from STUN servers is not UDP blocked.
    NatInfo info = session != null && session.isConnected() ? found.udpPasses("the hub session is up") : found;
    log.info("NAT behaviour {}: {}", info.behavior(), info.detail());
    if (session != null && info.behavior() != NatBehavior.UNKNOWN) {
      try {
        session.reportNat(info.behavior());
      } catch (RuntimeException e) {
        log.debug("the hub did not take the NAT report: {}", e.toString());
      }
    }
    return info;
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
    HubSession session = hubSession;
    return session == null ? List.of() : List.of(StunServerAddress.of(session.hubAddress()));
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
    lastDiscovery = Instant.now();
    return stack.discover();
  }
}
