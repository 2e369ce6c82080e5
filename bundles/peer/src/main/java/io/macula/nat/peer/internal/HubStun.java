package io.macula.nat.peer.internal;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.peer.api.HubSession;
import io.macula.nat.stun.api.NatDiscovery;
import io.macula.nat.stun.api.NatInfo;
import io.macula.nat.stun.api.NatListener;
import io.macula.nat.stun.api.StunContext;
import io.macula.nat.stun.api.StunServerAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
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

/**
 * The hub session's part in STUN, so that STUN need not know of hubs: the hub is the node's STUN
 * server when none is configured, the session's own UDP traffic shows UDP passes, every NAT
 * behaviour discovered is reported to the hub, and discovery runs again when the hub sees the node
 * at a new address, or soon after one that found no mapping while the session is up.
 */
@Component(service = {StunContext.class, NatListener.class}, immediate = true)
public final class HubStun implements StunContext, NatListener {
  private static final Duration RETRY_FAILED = Duration.ofSeconds(10);

  private final HubSession session;
  private final Logger log;
  private final Clock clock = Clock.systemUTC();
  private final ScheduledExecutorService timer;
  private Optional<InetSocketAddress> lastObserved = Optional.empty(); // timer thread only
  private Instant lastAsked = Instant.MIN; // timer thread only

  // Dynamic: the STUN component takes this one as its context and listener, so neither waits.
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile NatDiscovery discovery;

  @Activate
  public HubStun(@Reference HubSession session, @Reference(service = LoggerFactory.class) Logger log) {
    this.session = session;
    this.log = log;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nat-hub-stun");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::check, 1, 1, TimeUnit.SECONDS);
  }

  @Deactivate
  void deactivate() {
    timer.shutdownNow();
  }

  @Override
  public List<StunServerAddress> defaultServers() {
    return List.of(StunServerAddress.of(session.hubAddress()));
  }

  /** The hub session runs over UDP: while it is up, silence from STUN servers is not UDP blocked. */
  @Override
  public Optional<String> udpPasses() {
    // Over TCP, the session says nothing of UDP.
    return session.isConnected() && session.transport().equals("udp") ? Optional.of("the hub session is up over UDP")
        : Optional.empty();
  }

  @Override
  public void discovered(NatInfo info) {
    if (info.behavior() == NatBehavior.UNKNOWN) {
      return;
    }
    try {
      session.reportNat(info.behavior());
    } catch (RuntimeException e) {
      log.debug("the hub did not take the NAT report: {}", e.toString());
    }
  }

  private void check() {
    try {
      NatDiscovery d = discovery;
      if (d == null) {
        return;
      }
      Optional<InetSocketAddress> observed = session.observedAddress();
      boolean moved = observed.isPresent() && lastObserved.isPresent() && !observed.equals(lastObserved);
      if (observed.isPresent()) {
        lastObserved = observed;
      }
      Instant now = clock.instant();
      // A run that got no mapped address (before the hub session was up, say) is tried again soon.
      boolean failedLately = session.isConnected()
          && d.current().map(i -> i.mapped().isEmpty()).orElse(false)
          && lastAsked.plus(RETRY_FAILED).isBefore(now);
      if (moved || failedLately) {
        lastAsked = now;
        d.discover();
      }
    } catch (RuntimeException e) {
      log.warn("NAT behaviour discovery could not start: {}", e.toString());
    }
  }
}
