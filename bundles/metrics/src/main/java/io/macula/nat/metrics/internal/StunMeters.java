package io.macula.nat.metrics.internal;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.stun.api.NatDiscovery;
import io.macula.nat.stun.api.NatInfo;
import io.macula.nat.stun.api.StunClient;
import io.macula.nat.stun.api.StunStatistics;
import io.micrometer.core.instrument.Tags;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** The STUN client's transactions, the STUN server's answers and drops, and this node's NAT behaviour. */
@Component(service = MeterSource.class)
public final class StunMeters implements MeterSource {
  private final StunClient stun;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
  private volatile NatDiscovery discovery;

  @Activate
  public StunMeters(@Reference StunClient stun) {
    this.stun = stun;
  }

  @Override
  public void report(SnapshotMeters meters) {
    StunStatistics s = stun.statistics();
    String help = "STUN transactions of this node's client, by what became of them";
    meters.counter(MeterNames.STUN_CLIENT, help, Tags.of("event", "transaction"), s.transactions());
    meters.counter(MeterNames.STUN_CLIENT, help, Tags.of("event", "retransmission"), s.retransmissions());
    meters.counter(MeterNames.STUN_CLIENT, help, Tags.of("event", "response"), s.responses());
    meters.counter(MeterNames.STUN_CLIENT, help, Tags.of("event", "timeout"), s.timeouts());
    meters.counter(MeterNames.STUN_SERVER_ANSWERED, "STUN Binding requests this node answered", Tags.empty(),
        s.requestsAnswered());
    s.drops().forEach((reason, n) -> meters.counter(MeterNames.DROPS, "packets dropped, by where and why",
        Tags.of("source", "stun", "reason", reason), n));
    NatDiscovery d = discovery;
    NatBehavior mine = Optional.ofNullable(d).flatMap(NatDiscovery::current).map(NatInfo::behavior)
        .orElse(NatBehavior.UNKNOWN);
    for (NatBehavior b : NatBehavior.values()) {
      meters.gauge(MeterNames.NAT_TYPE, "this node's NAT behaviour: 1 for the one discovered last",
          Tags.of("nat_type", label(b)), b == mine ? 1 : 0);
    }
  }

  static String label(NatBehavior b) {
    return b.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
