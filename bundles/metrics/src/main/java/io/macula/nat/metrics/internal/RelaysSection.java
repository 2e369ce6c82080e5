package io.macula.nat.metrics.internal;

import io.macula.nat.api.RelayTraffic;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** What the relays this node runs carried, by sender, most first. */
@Component(service = StatusSection.class)
public final class RelaysSection implements StatusSection {
  private final List<RelayTraffic> relays = new CopyOnWriteArrayList<>();

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addRelay(RelayTraffic relay) {
    relays.add(relay);
  }

  void removeRelay(RelayTraffic relay) {
    relays.remove(relay);
  }

  @Override
  public int rank() {
    return 40;
  }

  @Override
  public void render(Html out) {
    out.heading("Relayed traffic");
    List<List<Object>> rows = new ArrayList<>();
    for (RelayTraffic relay : relays) {
      relay.carried().stream()
          .sorted(Comparator.comparingLong(RelayTraffic.Carried::bytes).reversed())
          .forEach(c -> rows.add(List.of(relay.kind().label(), c.node(), c.packets(), c.bytes())));
    }
    if (rows.isEmpty()) {
      out.none(relays.isEmpty() ? "this node runs no relay" : "nothing relayed yet");
    } else {
      out.table("relayed", List.of("RELAY", "SENDER", "PACKETS", "BYTES"), rows);
    }
  }
}
