package io.macula.nat.metrics.internal;

import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Samples the round trip of every peer connection at a fixed interval into a histogram by path
 * kind: QUIC measures it all along, and a fixed pace weighs each connection the same over time.
 */
@Component(configurationPid = MetricsConfig.PID)
@Designate(ocd = MetricsConfig.class)
public final class RttSampler {
  private final Endpoint endpoint;
  private final MeterRegistry registry;
  private final Logger log;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "nat-metrics-rtt");
    t.setDaemon(true);
    return t;
  });

  @Activate
  public RttSampler(@Reference Endpoint endpoint, @Reference NatMeters meters, MetricsConfig config,
      @Reference(service = LoggerFactory.class) Logger log) {
    this.endpoint = endpoint;
    this.log = log;
    this.registry = meters.registry();
    int every = Math.max(1, Math.min(3600, config.rtt__sample__seconds()));
    timer.scheduleWithFixedDelay(this::sample, 1, every, TimeUnit.SECONDS);
  }

  @Deactivate
  void deactivate() {
    timer.shutdownNow();
  }

  void sample() {
    try {
      for (QuicConnection c : endpoint.connections()) {
        if (c.protocol().equals(Endpoint.PEER_PROTOCOL) && c.isOpen()) {
          String kind = c.path().kind().label();
          c.roundTripTime().ifPresent(rtt -> record(kind, rtt));
        }
      }
    } catch (RuntimeException e) {
      log.warn("sampling the round trips failed; sampling goes on", e); // a thrown task is never run again
    }
  }

  private void record(String kind, Duration rtt) {
    Histograms.latency(MeterNames.PATH_RTT, "the round trip over peer connections' paths, sampled, by path kind")
        .tag("path_kind", kind).register(registry).record(rtt);
  }
}
