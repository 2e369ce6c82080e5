package io.macula.nat.metrics.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.hub.api.Hub;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** On a hub: the nodes registered now, their NAT, and what the hub relayed for each. */
@Component(service = StatusSection.class)
public final class HubSection implements StatusSection {
  /** Only a hub has one; optional, so that the bundle resolves on every node. */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile Hub hub;

  @Override
  public int rank() {
    return 10;
  }

  @Override
  public void render(Html out) {
    Hub hub = this.hub;
    if (hub == null) {
      return; // not a hub: no section
    }
    out.heading("Nodes registered with this hub");
    Map<NodeId, long[]> relayed = new HashMap<>(); // flows, bytes sent through the relay
    for (Hub.RelayFlow f : hub.relayFlows()) {
      long[] r = relayed.computeIfAbsent(f.from(), k -> new long[2]);
      r[0]++;
      r[1] += f.bytes();
    }
    Instant now = Instant.now();
    List<List<Object>> rows = new ArrayList<>();
    hub.nodes().stream().sorted(Comparator.comparing((Hub.RegisteredNode n) -> n.node().id().toString()))
        .forEach(n -> {
          long[] r = relayed.getOrDefault(n.node().id(), new long[2]);
          rows.add(java.util.Arrays.asList(n.node().id().toString(), StunMeters.label(n.node().nat()),
              n.node().observedAddress().map(String::valueOf).orElse(null), n.node().offersRelay() ? "yes" : "no",
              ago(n.since(), now), ago(n.lastSeen(), now), r[0], r[1]));
        });
    if (rows.isEmpty()) {
      out.none("no nodes registered");
    } else {
      out.table("nodes", List.of("NODE", "NAT", "SEEN AT", "RELAYS", "SINCE", "LAST SEEN", "RELAY FLOWS",
          "BYTES RELAYED"), rows);
    }
  }

  private static String ago(Instant then, Instant now) {
    return Duration.between(then, now).toSeconds() + " s ago";
  }
}
