package io.macula.nat.metrics.internal;

import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The peer connections now, with their path and round trip, and the round trips sampled by path kind. */
@Component(service = StatusSection.class)
public final class ConnectionsSection implements StatusSection {
  private final Endpoint endpoint;
  private final NatMeters meters;

  @Activate
  public ConnectionsSection(@Reference Endpoint endpoint, @Reference NatMeters meters) {
    this.endpoint = endpoint;
    this.meters = meters;
  }

  @Override
  public int rank() {
    return 20;
  }

  @Override
  public void render(Html out) {
    out.heading("Connections");
    List<List<Object>> rows = new ArrayList<>();
    endpoint.connections().stream()
        .filter(c -> c.protocol().equals(Endpoint.PEER_PROTOCOL) && c.isOpen())
        .sorted(Comparator.comparing((QuicConnection c) -> c.peer().toString()))
        .forEach(c -> rows.add(List.of(c.peer().shortForm(), c.path().kind().label(), String.valueOf(c.path().nextHop()),
            c.roundTripTime().map(r -> String.format(Locale.ROOT, "%.2f", r.toNanos() / 1e6)).orElse("-"),
            c.bytesSent(), c.bytesReceived())));
    if (rows.isEmpty()) {
      out.none("no peer connections");
    } else {
      out.table("connections", List.of("PEER", "PATH", "VIA", "RTT MS", "SENT", "RECEIVED"), rows);
    }
    for (Timer t : meters.registry().find(MeterNames.PATH_RTT).timers()) {
      out.bars("round trip over " + t.getId().getTag("path_kind") + " paths (" + t.count() + " samples)",
          LatencyRanges.LABELS, LatencyRanges.of(t));
    }
  }
}
