package io.macula.nat.shell.internal;

import io.macula.nat.hub.api.Hub;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/** On a hub: the nodes registered, and what the relay carries. */
@Component(service = HubCommands.class)
@GogoCommand(scope = "hub", function = {"nodes", "relay", "relays", "nat"})
public final class HubCommands {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private final Lazy<Hub> hub;

  @Activate
  public HubCommands(
      @Reference(service = Hub.class) ComponentServiceObjects<Hub> hub) {
    this.hub = new Lazy<>(hub, "the hub");
  }

  @Deactivate
  void deactivate() {
    hub.release();
  }

  @Descriptor("list the nodes registered with this hub")
  public String nodes() {
    var all = hub.get().nodes();
    if (all.isEmpty()) {
      return "no nodes registered\n";
    }
    Table t = new Table("NODE", "OBSERVED", "REPORTED", "NAT", "RELAY", "SINCE", "LAST_SEEN");
    for (Hub.RegisteredNode n : all) {
      t.row(n.node().id(), n.node().observedAddress().map(String::valueOf).orElse("-"),
          n.node().reportedAddresses().toString().replace(" ", ""),
          StunCommands.label(n.node().nat().name()), n.node().offersRelay() ? "yes" : "no",
          TIME.format(n.since()), TIME.format(n.lastSeen()));
    }
    return t.toString();
  }

  @Descriptor("list the relay directory: the registered nodes that offer to relay for others, their limits,"
      + " and whether other nodes can reach them")
  public String relays() {
    var all = hub.get().relays();
    if (all.isEmpty()) {
      return "no node offers to relay\n";
    }
    Table t = new Table("NODE", "ADDRESS", "NAT", "MAX_PAIRS", "BYTES/S", "PACKETS/S", "SINCE", "REACHABLE");
    for (Hub.RelayEntry r : all) {
      t.row(r.node().id(), r.node().observedAddress().map(String::valueOf).orElse("-"),
          StunCommands.label(r.node().nat().name()), r.maxPairs(), r.bytesPerSecond(), r.packetsPerSecond(),
          TIME.format(r.since()), r.unreachable().map(why -> "no: " + why).orElse("yes"));
    }
    return t.toString();
  }

  @Descriptor("count the NAT behaviours the nodes registered now reported")
  public String nat() {
    var seen = hub.get().natTypesSeen();
    if (seen.isEmpty()) {
      return "no NAT behaviour reported yet\n";
    }
    Table t = new Table("NAT", "NODES");
    seen.forEach((k, v) -> t.row(StunCommands.label(k.name()), v));
    return t.toString();
  }

  @Descriptor("list the relay's flows (packets, bytes, drops) and its drops by reason")
  public String relay() {
    StringBuilder out = new StringBuilder();
    var flows = hub.get().relayFlows();
    if (flows.isEmpty()) {
      out.append("no relayed flows\n");
    } else {
      Table t = new Table("FROM", "TO", "PACKETS", "BYTES", "DROPPED");
      flows.forEach(f -> t.row(f.from().shortForm(), f.to().shortForm(), f.packets(), f.bytes(), f.dropped()));
      out.append(t);
    }
    var drops = hub.get().relayDrops();
    if (!drops.isEmpty()) {
      Table t = new Table("DROP_REASON", "PACKETS");
      drops.forEach(t::row);
      out.append(t);
    }
    return out.toString();
  }
}
