package io.macula.nat.strategy.hubrelay;

import io.macula.nat.api.HubRelay;
import io.macula.nat.api.Negotiator;
import io.macula.nat.api.PathKind;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * once a direct path works again. Each side moves on its own, once it has sent into the silence
 * for {@value #SILENCE_MS} ms. Not while the hub relay strategy is disabled, nor a path an
 * operator pinned.
 */
@Component(immediate = true)
public final class RelayFallback {
  static final long SILENCE_MS = 1500;
  private static final Duration TICK = Duration.ofMillis(250);

  private final Endpoint endpoint;
  private final HubRelay hub;
  private final Negotiator negotiator;
  private final Logger log;
  private final ScheduledExecutorService thread;
  /** Each watched connection, by its id (the thread's only). */
  private final Map<Long, PathSilence> watched = new HashMap<>();

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
      long now = System.nanoTime();
      boolean enabled = negotiator.strategies().stream()
          .anyMatch(s -> s.name().equals(HubRelayStrategy.NAME) && s.enabled());
      Optional<InetSocketAddress> relay = hub.relayAddress();
      Set<Long> seen = new HashSet<>();
      for (QuicConnection c : endpoint.connections()) {
        if (!c.protocol().equals(Endpoint.PEER_PROTOCOL) || !c.isOpen() || c.path().kind().relayed()
            || c.isPathPinned()) {
          continue;
        }
        seen.add(c.id());
        TransportPath path = c.path();
        PathSilence s = watched.get(c.id());
        if (s == null) {
          watched.put(c.id(), new PathSilence(TimeUnit.MILLISECONDS.toNanos(SILENCE_MS), path, c.packetsOnPath(),
              c.bytesSent(), now));
          continue;
        }
        if (s.silent(path, c.packetsOnPath(), c.bytesSent(), now) && enabled && relay.isPresent()) {
          c.switchPath(new TransportPath.Relayed(relay.get(), c.peer(), PathKind.HUB_RELAY));
          log.info("connection #{} with {}: nothing arrived over the {} path to {} for {} ms while sending;"
              + " fell back to the hub relay", c.id(), c.peer().shortForm(), path.kind().label(), path.nextHop(),
              TimeUnit.NANOSECONDS.toMillis(s.silentForNanos(now)));
        }
      }
      watched.keySet().retainAll(seen);
    } catch (RuntimeException e) {
      log.warn("fallback round failed: {}", e.toString()); // the next round looks again
    }
  }
}
