package io.macula.nat.metrics.internal;

import io.macula.nat.api.command.OperatorCommands;
import io.macula.nat.hub.api.Hub;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** {@code hub:stats}: on a node that runs no hub, it says so. */
@Component(service = HubStatsCommand.class)
@OperatorCommands(scope = "hub", function = "stats")
public final class HubStatsCommand {
  private final StatsCommands stats;

  /** Optional, so that the bundle resolves on every node. */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile Hub hub;

  @Activate
  public HubStatsCommand(@Reference StatsCommands stats) {
    this.stats = stats;
  }

  @Descriptor("print the hub's metrics: its nodes by NAT type, what its relay and TURN server carried and dropped")
  public void stats() {
    if (hub == null) {
      throw new IllegalStateException("this node runs no hub");
    }
    System.out.print(stats.hubStats());
  }
}
