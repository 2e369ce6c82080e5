package io.macula.nat.shell.internal;

import io.macula.nat.api.command.OperatorCommands;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.hub.api.Hub;
import java.util.HashMap;
import java.util.Map;
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
@OperatorCommands(scope = "hub", function = {"nodes", "relay", "relays", "nat", "hubs", "allow",
    "disallow", "allowed"})
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

  @Descriptor("list the nodes of the mesh and the home hub of each: first those registered with this hub,"
      + " then those the directory says other hubs hold")
  public void nodes() {
    Hub h = hub();
    Map<NodeId, Hub.RegisteredNode> here = new HashMap<>();
    h.nodes().forEach(n -> here.put(n.node().id(), n));
    var all = h.meshNodes();
    if (all.isEmpty()) {
      System.out.print("no nodes registered\n");
      return;
    }
    Table t = new Table("NODE", "HOME", "OBSERVED", "REPORTED", "NAT", "RELAY", "SINCE", "LAST_SEEN");
    for (Hub.HomedNode n : all) {
      NodeDescriptor node = n.node();
      Hub.RegisteredNode registered = here.get(node.id());
      // Registered here yet homed elsewhere: the node moved on, and its session here is stale.
      t.row(node.id(), n.home().equals(h.id()) ? "this hub" : n.home().shortForm(),
          node.observedAddress().map(String::valueOf).orElse("-"), node.reportedAddresses().toString().replace(" ", ""),
          StunCommands.label(node.nat().name()), node.offersRelay() ? "yes" : "no",
          registered == null ? "-" : TIME.format(registered.since()),
          registered == null ? "-" : TIME.format(registered.lastSeen()));
    }
    System.out.print(t);
  }

  @Descriptor("admit a node at every hub of the mesh: add it to the mesh's allowlist, which the directory keeps")
  public void allow(@Descriptor(OperatorCommands.NODE) String node) {
    NodeId id = Arguments.node(node);
    System.out.print(hub().allow(id) ? id + " admitted at every hub\n" : id + " was admitted already\n");
  }

  @Descriptor("take a node off the mesh's allowlist: sessions up stay up; its next registration is refused"
      + " unless a hub's own allow lists it")
  public void disallow(@Descriptor(OperatorCommands.NODE) String node) {
    NodeId id = Arguments.node(node);
    System.out.print(hub().disallow(id) ? id + " off the mesh's allowlist\n" : id + " was not on it\n");
  }

  @Descriptor("list the mesh's allowlist (what hub:allow added), which every hub of the mesh admits")
  public void allowed() {
    var all = hub().meshAllowlist();
    if (all.isEmpty()) {
      System.out.print("the mesh's allowlist is empty\n");
      return;
    }
    StringBuilder out = new StringBuilder();
    all.forEach(id -> out.append(id).append('\n'));
    System.out.print(out);
  }

  @Descriptor("list the hubs of the mesh, from the directory: where each is reached, the nodes it holds, since when"
      + " it serves")
  public void hubs() {
    Hub h = hub();
    StringBuilder out = new StringBuilder("directory: ").append(h.directoryState()).append('\n');
    var all = h.hubs();
    if (all.isEmpty()) {
      out.append("no hubs listed yet\n");
    } else {
      Table t = new Table("HUB", "ADDRESS", "NODES", "SINCE", "THIS_HUB");
      all.forEach(x -> t.row(x.id(), x.address(), x.nodes(), TIME.format(x.since()), x.self() ? "yes" : "no"));
      out.append(t);
    }
    var counters = h.meshCounters();
    if (!counters.isEmpty()) {
      out.append("counters:");
      counters.forEach((k, v) -> out.append(' ').append(k).append('=').append(v));
      out.append('\n');
    }
    System.out.print(out);
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
