package io.macula.nat.strategy.hubrelay;

import io.macula.nat.api.HubRelay;
import io.macula.nat.api.Negotiator;
import io.macula.nat.api.PathKind;
import io.macula.nat.transport.api.AlternativePath;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The floor under every connection: when a connection's direct or hole-punched path stops
 * passing traffic (a NAT mapping gone, a firewall rule added, a route changed), its packets move,
 * under QUIC, which retransmits what was lost, to another path the route knows that answers its
 * probes now, else to the hub relay; and from the hub relay back to such a path as soon as one
 * answers again (the ICE upgrades find new ones), while the strategy of its kind is enabled.
 * What says a path stopped is the endpoint's probes of it going unanswered for {@value
 * #UNANSWERED_MS} ms (a probe goes out when nothing arrives after this node sent). Each side moves
 * on its own. No fallback to the hub relay while its strategy is disabled; nothing for a path an
 * operator pinned.
 */
@Component(immediate = true)
public final class RelayFallback {
  static final long UNANSWERED_MS = 1000;
  /** An alternative path is taken when it answered a probe this recently (probes go every 1 to 6 s). */
  static final Duration ANSWERED_WITHIN = Duration.ofSeconds(10);
  private static final Duration TICK = Duration.ofMillis(100);

  private final Endpoint endpoint;
  private final HubRelay hub;
  private final Negotiator negotiator;
  private final Logger log;
  private final ScheduledExecutorService thread;

  @Activate
  public RelayFallback(@Reference Endpoint endpoint, @Reference HubRelay hub, @Reference Negotiator negotiator,
      @Reference(service = LoggerFactory.class) Logger log) {
    this.endpoint = endpoint;
    this.hub = hub;
    this.negotiator = negotiator;
    this.log = log;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nat-fallback");
      t.setDaemon(true);
      return t;
    });
    thread.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Deactivate
  void deactivate() {
    thread.shutdownNow();
  }

  private void tick() {
    try {
      Optional<InetSocketAddress> relay = hub.relayAddress();
      if (relay.isEmpty()) {
        return;
      }
      Boolean enabled = null; // asked once a round, when a connection needs to fall back
      for (QuicConnection c : endpoint.connections()) {
        if (!c.protocol().equals(Endpoint.PEER_PROTOCOL) || !c.isOpen() || c.isPathPinned()) {
          continue;
        }
        if (c.path() instanceof TransportPath.Relayed) {
          upgradeBack(c);
          continue;
        }
        if (c.path().kind().relayed()) {
          continue;
        }
        Optional<Duration> unanswered = c.pathUnansweredFor().filter(d -> d.toMillis() > UNANSWERED_MS);
        if (unanswered.isEmpty()) {
          continue;
        }
        TransportPath path = c.path();
        String why = "the " + path.kind().label() + " path answered no probe for " + unanswered.get().toMillis() + " ms";
        List<TransportPath> answering = answering(c);
        if (!answering.isEmpty()) {
          c.switchPath(answering.get(0), "fallback: " + why + "; to another that answers");
          log.info("connection #{} with {}: {}; moved to {}", c.id(), c.peer().shortForm(), why, answering.get(0).nextHop());
          continue;
        }
        if (enabled == null) {
          enabled = negotiator.strategies().stream().anyMatch(s -> s.name().equals(HubRelayStrategy.NAME) && s.enabled());
        }
        if (enabled) {
          c.switchPath(new TransportPath.Relayed(relay.get(), c.peer(), PathKind.HUB_RELAY), "fallback: " + why);
          log.info("connection #{} with {}: the {} path to {} answered no probe for {} ms; fell back to the hub relay",
              c.id(), c.peer().shortForm(), path.kind().label(), path.nextHop(), unanswered.get().toMillis());
        }
      }
    } catch (RuntimeException e) {
      log.warn("fallback round failed: {}", e.toString()); // the next round looks again
    }
  }

  /**
   * The connection's other paths that answered a probe lately, the quickest first: of a kind whose
   * strategy is installed and enabled (an operator who disabled direct connects gets no direct
   * path from here either).
   */
  private List<TransportPath> answering(QuicConnection c) {
    List<AlternativePath> answered = c.alternatives().stream().filter(a -> a.answeredWithin(ANSWERED_WITHIN)).toList();
    if (answered.isEmpty()) {
      return List.of();
    }
    java.util.Set<String> enabled = new java.util.HashSet<>();
    negotiator.strategies().stream().filter(s -> s.enabled()).forEach(s -> enabled.add(s.name()));
    return answered.stream().map(AlternativePath::path)
        .filter(p -> enabled.contains(STRATEGY_OF.getOrDefault(p.kind(), "")))
        .toList();
  }

  /** The strategy that makes paths of each kind an alternative may be: disabling it rules them out. */
  private static final java.util.Map<PathKind, String> STRATEGY_OF =
      java.util.Map.of(PathKind.DIRECT, "direct", PathKind.HOLE_PUNCHED, "holepunch");

  /** A connection on the hub relay whose earlier path answers its probes again goes back to it. */
  private void upgradeBack(QuicConnection c) {
    List<TransportPath> answering = answering(c);
    if (!answering.isEmpty()) {
      TransportPath to = answering.get(0);
      c.switchPath(to, "upgrade: the " + to.kind().label() + " path answers its probes again");
      log.info("connection #{} with {}: the {} path to {} answers again; moved back to it", c.id(),
          c.peer().shortForm(), to.kind().label(), to.nextHop());
    }
  }
}
