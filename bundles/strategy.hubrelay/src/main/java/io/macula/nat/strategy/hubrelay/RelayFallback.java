package io.macula.nat.strategy.hubrelay;

import io.macula.nat.api.HubRelay;
import io.macula.nat.api.Negotiator;
import io.macula.nat.api.PathKind;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.net.InetSocketAddress;
import java.time.Duration;
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
 * passing traffic (a NAT mapping gone, a firewall rule added, a route changed), its packets move
 * to the hub relay, under QUIC, which retransmits what was lost; the path upgrades move it back
 * once a direct path works again. What says a path stopped is the endpoint's probes of it going
 * unanswered for {@value #UNANSWERED_MS} ms (a probe goes out when nothing arrives after this
 * node sent). Each side moves on its own. Not while the hub relay strategy is disabled, nor a path
 * an operator pinned.
 */
@Component(immediate = true)
public final class RelayFallback {
  static final long UNANSWERED_MS = 1000;
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
      boolean enabled = false;
      for (QuicConnection c : endpoint.connections()) {
        if (!c.protocol().equals(Endpoint.PEER_PROTOCOL) || !c.isOpen() || c.path().kind().relayed()
            || c.isPathPinned()) {
          continue;
        }
        Optional<Duration> unanswered = c.pathUnansweredFor().filter(d -> d.toMillis() > UNANSWERED_MS);
        if (unanswered.isEmpty()) {
          continue;
        }
        enabled = enabled || negotiator.strategies().stream()
            .anyMatch(s -> s.name().equals(HubRelayStrategy.NAME) && s.enabled());
        if (!enabled) {
          return;
        }
        TransportPath path = c.path();
        c.switchPath(new TransportPath.Relayed(relay.get(), c.peer(), PathKind.HUB_RELAY),
            "fallback: the " + path.kind().label() + " path answered no probe for " + unanswered.get().toMillis() + " ms");
        log.info("connection #{} with {}: the {} path to {} answered no probe for {} ms; fell back to the hub relay",
            c.id(), c.peer().shortForm(), path.kind().label(), path.nextHop(), unanswered.get().toMillis());
      }
    } catch (RuntimeException e) {
      log.warn("fallback round failed: {}", e.toString()); // the next round looks again
    }
  }
}
