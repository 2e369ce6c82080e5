package io.macula.nat.negotiator.internal;

import io.macula.nat.api.AttemptOutcome;
import io.macula.nat.api.AttemptRecord;
import io.macula.nat.api.ConnectionStrategy;
import io.macula.nat.api.Negotiator;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeDirectory;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PeerConnection;
import io.macula.nat.api.StrategySettings;
import io.macula.nat.api.StrategyStatus;
import io.macula.nat.api.TraversalEvent;
import io.macula.nat.api.TraversalListener;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import java.util.function.Predicate;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
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
 * The negotiator: composes whichever {@link ConnectionStrategy} services are present at the moment
 * of each connect, applies the operator's overrides, records every attempt and keeps counters.
 */
@Component(
    immediate = true,
    service = {Negotiator.class, StrategySettings.class},
    configurationPid = NegotiatorComponent.PID)
@Designate(ocd = NegotiatorComponent.Config.class)
public final class NegotiatorComponent implements Negotiator, StrategySettings {
  static final String PID = "io.macula.nat.negotiator";

  /** How long an operator's change may take to reach the negotiator through ConfigAdmin. */
  private static final Duration APPLY_TIMEOUT = Duration.ofSeconds(10);

  // A double underscore in a method name gives an underscore in the key (a single one, a dot).
  @ObjectClassDefinition(
      name = "Macula NAT negotiator",
      description = "Runs the connection strategies and keeps the record of their attempts.")
  public @interface Config {
    @AttributeDefinition(
        min = "1",
        description = "How many attempt records to keep, newest first, for nat:attempts.")
    int attempt__history() default 1000;

    @AttributeDefinition(min = "100", description = "Milliseconds a path's probes may go unanswered before its"
        + " connections move to another path that answers, else to a relay.")
    long fallback__after__ms() default 1000;

    @AttributeDefinition(min = "100", description = "Milliseconds from a relayed connect to the first attempt to"
        + " upgrade it, and the first delay after a failed one; it doubles with each failure.")
    long upgrade__retry__ms() default 500;

    @AttributeDefinition(min = "1000", description = "The longest delay between two upgrade attempts with one peer,"
        + " in ms (never shorter than the first).")
    long upgrade__max__retry__ms() default 60_000;
  }

  /** How often the path policy looks at the connections. */
  private static final Duration POLICY_TICK = Duration.ofMillis(100);

  private final Logger log;
  private final ConfigurationAdmin configAdmin;
  private final StrategyRegistry registry = new StrategyRegistry();
  private final AttemptHistory history;
  private final EventDispatcher events;
  private final ScheduledExecutorService scheduler;
  private final Clock clock = Clock.systemUTC();
  private final AtomicLong connectIds = new AtomicLong();
  private final Set<Negotiation> active = ConcurrentHashMap.newKeySet();
  private final Map<NodeId, PeerConnection> latest = new ConcurrentHashMap<>();

  /** Stands for this node while no directory (the hub session) says who it is. */
  private final NodeDescriptor anonymousSelf = NodeDescriptor.unknown(randomNodeId());

  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile NodeDirectory directory;

  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile Endpoint endpoint;

  private final ScheduledExecutorService pathThread;
  private final java.util.concurrent.ExecutorService lookupThread;
  private final PathPolicy paths;

  @Activate
  public NegotiatorComponent(
      Config config,
      @Reference(service = LoggerFactory.class) Logger log,
      @Reference ConfigurationAdmin configAdmin) {
    this.log = log;
    this.configAdmin = configAdmin;
    this.history = new AttemptHistory(config.attempt__history());
    this.events =
        new EventDispatcher((l, e) -> log.warn("traversal listener {} failed", l, e));
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "nat-negotiator");
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    this.scheduler = executor;
    this.pathThread = Executors.newSingleThreadScheduledExecutor(daemon("nat-paths"));
    this.lookupThread = Executors.newSingleThreadExecutor(daemon("nat-paths-lookup"));
    this.paths = new PathPolicy(
        new PathPolicy.Settings(
            Duration.ofMillis(config.fallback__after__ms()),
            Duration.ofMillis(config.upgrade__retry__ms()),
            Duration.ofMillis(Math.max(config.upgrade__max__retry__ms(), config.upgrade__retry__ms()))),
        registry::plan,
        this::negotiatedHere,
        () -> directory,
        pathThread,
        lookupThread,
        RandomGenerator.getDefault(),
        log,
        System::nanoTime);
    pathThread.scheduleWithFixedDelay(this::pathRound, POLICY_TICK.toMillis(), POLICY_TICK.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** One round of the path policy over the endpoint's connections, once there is an endpoint. */
  private void pathRound() {
    Endpoint e = endpoint;
    if (e == null) {
      return;
    }
    try {
      paths.tick(e.connections());
    } catch (RuntimeException ex) {
      log.warn("path policy round failed: {}", ex.toString()); // the next round looks again
    }
  }

  /** Whether this node's negotiator made the connection: the connecting side drives the upgrades. */
  private boolean negotiatedHere(QuicConnection c) {
    return connection(c.peer()).map(PeerConnection::path).flatMap(p -> p.channel())
        .filter(channel -> channel == c).isPresent();
  }

  @Deactivate
  void deactivate() {
    active.forEach(Negotiation::shutdown);
    pathThread.shutdownNow();
    lookupThread.shutdownNow();
    scheduler.shutdown();
    events.close();
  }

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void addStrategy(ConnectionStrategy strategy, ServiceReference<ConnectionStrategy> ref) {
    Bundle bundle = ref.getBundle();
    String from = bundle == null ? "?" : bundle.getSymbolicName();
    registry
        .add(strategy, from)
        .ifPresentOrElse(
            why -> log.warn("ignoring the connection strategy from {}: {}", from, why),
            () -> log.info("connection strategy {} is available, from {}", strategy.name(), from));
  }

  void removeStrategy(ConnectionStrategy strategy) {
    registry
        .remove(strategy)
        .ifPresent(
            name -> {
              active.forEach(n -> n.strategyRemoved(strategy));
              log.info("connection strategy {} is gone", name);
            });
  }

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void addOverride(StrategyOverride override) {
    registry.addOverride(override);
  }

  void removeOverride(StrategyOverride override) {
    registry.removeOverride(override);
  }

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void addListener(TraversalListener listener) {
    events.add(listener);
  }

  void removeListener(TraversalListener listener) {
    events.remove(listener);
  }

  @Override
  public CompletableFuture<PeerConnection> connect(NodeId node) {
    Objects.requireNonNull(node, "node");
    NodeDirectory dir = directory;
    NodeDescriptor self = dir != null ? dir.self() : anonymousSelf;
    NodeDescriptor remote =
        dir != null ? dir.find(node).orElse(NodeDescriptor.unknown(node)) : NodeDescriptor.unknown(node);
    Negotiation negotiation =
        new Negotiation(
            connectIds.incrementAndGet(),
            new NodePair(self, remote),
            registry.plan(),
            scheduler,
            clock,
            new Sink());
    active.add(negotiation);
    return negotiation.start().whenComplete((c, e) -> {
      if (c != null) {
        latest.put(node, c);
      }
    });
  }

  @Override
  public Optional<PeerConnection> connection(NodeId node) {
    return Optional.ofNullable(latest.get(node)).filter(PeerConnection::isOpen);
  }

  @Override
  public List<StrategyStatus> strategies() {
    return registry.status();
  }

  @Override
  public List<AttemptRecord> attempts() {
    return history.newestFirst(null);
  }

  @Override
  public List<AttemptRecord> attempts(NodeId node) {
    return history.newestFirst(Objects.requireNonNull(node, "node"));
  }

  @Override
  public void setEnabled(String strategy, boolean enabled) {
    override(strategy, StrategyOverride.ENABLED, enabled, s -> s.enabled() == enabled);
  }

  @Override
  public void setPriority(String strategy, int priority) {
    override(strategy, StrategyOverride.PRIORITY, priority, s -> s.priority() == priority);
  }

  @Override
  public void setTimeout(String strategy, Duration timeout) {
    if (timeout.toMillis() < 1) {
      throw new IllegalArgumentException("a timeout must be at least 1 ms, not " + timeout.toMillis());
    }
    long ms = timeout.toMillis();
    override(strategy, StrategyOverride.TIMEOUT_MS, ms, s -> s.timeout().toMillis() == ms);
  }

  /** Writes one key of the strategy's override configuration and waits until it applies. */
  private void override(
      String strategy, String key, Object value, Predicate<EffectiveStrategy> applied) {
    if (registry.find(strategy).isEmpty()) {
      List<String> names = registry.names();
      throw new IllegalArgumentException(
          "no strategy named '" + strategy + "'; installed: "
              + (names.isEmpty() ? "none" : String.join(", ", names)));
    }
    try {
      Configuration c =
          configAdmin.getFactoryConfiguration(StrategyOverride.FACTORY_PID, strategy, "?");
      Dictionary<String, Object> props = c.getProperties();
      if (props == null) {
        props = new Hashtable<>();
      }
      props.put(StrategyOverride.NAME, strategy);
      props.put(key, value);
      c.update(props);
      if (!registry.await(strategy, applied, APPLY_TIMEOUT)) {
        throw new IllegalStateException(
            "the change to " + strategy + " was saved as " + c.getPid() + " but did not apply within "
                + APPLY_TIMEOUT.toSeconds() + " s");
      }
    } catch (IOException e) {
      throw new IllegalStateException("ConfigAdmin could not save the change: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the change to apply", e);
    }
  }

  private static NodeId randomNodeId() {
    byte[] bytes = new byte[NodeId.LENGTH];
    new java.security.SecureRandom().nextBytes(bytes);
    return NodeId.of(bytes);
  }

  /** Takes a negotiation's reports into the history, the counters, the log and the whiteboard. */
  private final class Sink implements Negotiation.Sink {
    @Override
    public void started(EffectiveStrategy strategy) {
      registry.counters(strategy.name()).attempts.incrementAndGet();
    }

    @Override
    public void recorded(AttemptRecord r) {
      history.add(r);
      if (r.outcome() == AttemptOutcome.SUCCEEDED) {
        registry.counters(r.strategy()).successes.incrementAndGet();
      }
      log.debug(
          "connect #{} to {}: {} {} after {} ms {}",
          r.connectId(),
          r.node().shortForm(),
          r.strategy(),
          r.outcome().label(),
          r.duration().toMillis(),
          r.reason());
    }

    @Override
    public void event(TraversalEvent event) {
      events.publish(event);
    }

    @Override
    public void finished(Negotiation negotiation) {
      active.remove(negotiation);
    }
  }
}
