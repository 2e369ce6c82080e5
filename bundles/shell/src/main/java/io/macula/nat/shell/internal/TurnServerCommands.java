package io.macula.nat.shell.internal;

import io.macula.nat.api.command.OperatorCommands;
import io.macula.nat.turn.api.TurnAllocationInfo;
import io.macula.nat.turn.api.TurnService;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** The TURN server this node runs (a hub's): its allocations and what each relayed, and its counters. */
@Component(service = TurnServerCommands.class)
@OperatorCommands(scope = "hub", function = {"turn"})
public final class TurnServerCommands {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile TurnService turn;

  @Descriptor("list the TURN server's allocations (packets and bytes each way) and its counters")
  public void turn() {
    TurnService t = turn;
    if (t == null) {
      throw new IllegalStateException("this node runs no TURN server: configure io.macula.nat.turn.server");
    }
    StringBuilder out = new StringBuilder("TURN server " + t.uri() + "\n");
    var allocations = t.allocations();
    if (allocations.isEmpty()) {
      out.append("no allocations\n");
    } else {
      Table table = new Table("CLIENT", "TRANSPORT", "USER", "RELAYED", "EXPIRES", "PERMISSIONS", "CHANNELS",
          "PACKETS_OUT", "BYTES_OUT", "PACKETS_IN", "BYTES_IN");
      for (TurnAllocationInfo a : allocations) {
        table.row(a.client(), a.transport(), a.username(), a.relayed(), TIME.format(a.expires()), a.permissions(),
            a.channels(), a.packetsToPeers(), a.bytesToPeers(), a.packetsFromPeers(), a.bytesFromPeers());
      }
      out.append(table);
    }
    Table counters = new Table("COUNTER", "VALUE");
    t.counters().forEach(counters::row);
    System.out.print(out.append(counters));
  }
}
