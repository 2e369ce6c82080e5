package io.macula.nat.metrics.internal;

import io.macula.nat.hub.api.Hub;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code hub:stats}, only where a hub runs. */
// The hub reference only makes the command wait for a hub: a node without one has no hub:stats.
@Component(service = HubStatsCommand.class, reference = @Reference(name = "hub", service = Hub.class))
@GogoCommand(scope = "hub", function = "stats")
public final class HubStatsCommand {
  private final StatsCommands stats;

  @Activate
  public HubStatsCommand(@Reference StatsCommands stats) {
    this.stats = stats;
  }

  @Descriptor("print the hub's metrics: its nodes by NAT type, what its relay and TURN server carried and dropped")
  public String stats() {
    return stats.hubStats();
  }
}
