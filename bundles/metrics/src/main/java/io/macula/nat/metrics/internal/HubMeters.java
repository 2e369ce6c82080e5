package io.macula.nat.metrics.internal;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.hub.api.Hub;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** On a hub: the nodes registered now, by the NAT behaviour each reported. */
@Component(service = MeterSource.class)
public final class HubMeters implements MeterSource {
  private final Hub hub;

  @Activate
  public HubMeters(@Reference Hub hub) {
    this.hub = hub;
  }

  @Override
  public void report(SnapshotMeters meters) {
    Map<NatBehavior, Long> seen = hub.natTypesSeen();
    for (NatBehavior b : NatBehavior.values()) {
      meters.gauge(MeterNames.HUB_NODES, "nodes registered with this hub now, by the NAT behaviour they reported",
          Tags.of("nat_type", StunMeters.label(b)), seen.getOrDefault(b, 0L));
    }
  }
}
