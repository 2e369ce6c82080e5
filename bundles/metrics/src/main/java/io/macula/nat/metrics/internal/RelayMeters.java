package io.macula.nat.metrics.internal;

import io.macula.nat.api.RelayTraffic;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * What the relays this node runs (the hub's, a peer relay, a TURN server) carried, by sender, what
 * that cost at the configured price, and what they dropped.
 */
@Component(service = MeterSource.class, configurationPid = MetricsConfig.PID)
public final class RelayMeters implements MeterSource {
  private static final double BYTES_PER_GB = 1e9;

  private final List<RelayTraffic> relays = new CopyOnWriteArrayList<>();
  private volatile MetricsConfig config;

  @Activate
  public RelayMeters(MetricsConfig config) {
    this.config = config;
  }

  @Modified
  void modified(MetricsConfig config) {
    this.config = config;
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addRelay(RelayTraffic relay) {
    relays.add(relay);
  }

  void removeRelay(RelayTraffic relay) {
    relays.remove(relay);
  }

  @Override
  public void report(SnapshotMeters meters) {
    MetricsConfig c = config;
    for (RelayTraffic relay : relays) {
      String kind = relay.kind().label();
      long bytes = 0;
      for (RelayTraffic.Carried carried : relay.carried()) {
        Tags tags = Tags.of("relay", kind, "node", carried.node());
        meters.counter(MeterNames.RELAYED_BYTES, "bytes a relay of this node forwarded, by sender", tags,
            carried.bytes());
        meters.counter(MeterNames.RELAYED_PACKETS, "packets a relay of this node forwarded, by sender", tags,
            carried.packets());
        bytes += carried.bytes();
      }
      meters.gauge(MeterNames.RELAY_COST, "what the bytes this relay forwarded cost, at the configured price per GB",
          Tags.of("relay", kind, "currency", c.relay__cost__currency()), bytes / BYTES_PER_GB * c.relay__cost__per__gb());
      relay.drops().forEach((reason, n) -> meters.counter(MeterNames.DROPS, "packets dropped, by where and why",
          Tags.of("source", kind, "reason", reason), n));
    }
  }
}
