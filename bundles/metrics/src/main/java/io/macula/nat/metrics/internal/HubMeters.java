package io.macula.nat.metrics.internal;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.hub.api.Hub;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** On a hub: the nodes registered now, by the NAT behaviour each reported. */
@Component(service = MeterSource.class)
public final class HubMeters implements MeterSource {
  /** Only a hub has one; optional, so that the bundle resolves on every node. */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile Hub hub;

  @Override
  public void report(SnapshotMeters meters) {
    Hub h = hub;
    if (h == null) {
      return;
    }
    Map<NatBehavior, Long> seen = h.natTypesSeen();
    for (NatBehavior b : NatBehavior.values()) {
      meters.gauge(MeterNames.HUB_NODES, "nodes registered with this hub now, by the NAT behaviour they reported",
          Tags.of("nat_type", StunMeters.label(b)), seen.getOrDefault(b, 0L));
    }
  }
}
