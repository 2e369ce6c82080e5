package io.macula.nat.shell.internal;

import io.macula.nat.api.command.OperatorCommands;
import io.macula.nat.hub.api.Hub;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** On a hub: the nodes registered, and what the relay carries; elsewhere they say this node runs none. */
@Component(service = HubCommands.class)
@OperatorCommands(scope = "hub", function = {"nodes", "relay", "relays", "nat"})
public final class HubCommands {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  /** Optional, so that the shell bundle resolves on nodes without a hub (Karaf checks). */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile Hub hub;

  private Hub hub() {
    Hub h = hub;
    if (h == null) {
      throw new IllegalStateException("this node runs no hub");
    }
    return h;
  }

  @Descriptor("list the nodes registered with this hub")
  public void nodes() {
    var all = hub().nodes();
    if (all.isEmpty()) {
      System.out.print("no nodes registered\n");
      return;
    }
    Table t = new Table("NODE", "OBSERVED", "REPORTED", "NAT", "RELAY", "SINCE", "LAST_SEEN");
    for (Hub.RegisteredNode n : all) {
      t.row(n.node().id(), n.node().observedAddress().map(String::valueOf).orElse("-"),
          n.node().reportedAddresses().toString().replace(" ", ""),
          StunCommands.label(n.node().nat().name()), n.node().offersRelay() ? "yes" : "no",
          TIME.format(n.since()), TIME.format(n.lastSeen()));
    }
    System.out.print(t);
  }

  @Descriptor("list the relay directory: the registered nodes that offer to relay for others, their limits,"
      + " and whether other nodes can reach them")
  public void relays() {
    var all = hub().relays();
    if (all.isEmpty()) {
      System.out.print("no node offers to relay\n");
      return;
    }
    Table t = new Table("NODE", "ADDRESS", "NAT", "MAX_PAIRS", "BYTES/S", "PACKETS/S", "SINCE", "REACHABLE");
    for (Hub.RelayEntry r : all) {
      t.row(r.node().id(), r.node().observedAddress().map(String::valueOf).orElse("-"),
          StunCommands.label(r.node().nat().name()), r.maxPairs(), r.bytesPerSecond(), r.packetsPerSecond(),
          TIME.format(r.since()), r.unreachable().map(why -> "no: " + why).orElse("yes"));
    }
    System.out.print(t);
  }

  @Descriptor("count the NAT behaviours the nodes registered now reported")
  public void nat() {
    var seen = hub().natTypesSeen();
    if (seen.isEmpty()) {
      System.out.print("no NAT behaviour reported yet\n");
      return;
    }
    Table t = new Table("NAT", "NODES");
    seen.forEach((k, v) -> t.row(StunCommands.label(k.name()), v));
    System.out.print(t);
  }

  @Descriptor("list the relay's flows (packets, bytes, drops) and its drops by reason")
  public void relay() {
    StringBuilder out = new StringBuilder();
    var flows = hub().relayFlows();
    if (flows.isEmpty()) {
      out.append("no relayed flows\n");
    } else {
      Table t = new Table("FROM", "TO", "PACKETS", "BYTES", "DROPPED");
      flows.forEach(f -> t.row(f.from().shortForm(), f.to().shortForm(), f.packets(), f.bytes(), f.dropped()));
      out.append(t);
    }
    var drops = hub().relayDrops();
    if (!drops.isEmpty()) {
      Table t = new Table("DROP_REASON", "PACKETS");
      drops.forEach(t::row);
      out.append(t);
    }
    System.out.print(out);
  }
}
