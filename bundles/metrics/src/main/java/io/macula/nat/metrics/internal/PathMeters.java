package io.macula.nat.metrics.internal;

import io.macula.nat.api.PathKind;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.PathMoveCount;
import io.macula.nat.transport.api.QuicConnection;
import io.micrometer.core.instrument.Tags;
import java.util.EnumMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The endpoint's peer connections by path kind, their moves between paths, and its drops. */
@Component(service = MeterSource.class)
public final class PathMeters implements MeterSource {
  private final Endpoint endpoint;

  @Activate
  public PathMeters(@Reference Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public void report(SnapshotMeters meters) {
    Map<PathKind, Integer> byKind = new EnumMap<>(PathKind.class);
    for (PathKind k : PathKind.values()) {
      byKind.put(k, 0);
    }
    for (QuicConnection c : endpoint.connections()) {
      if (c.protocol().equals(Endpoint.PEER_PROTOCOL) && c.isOpen()) {
        byKind.merge(c.path().kind(), 1, Integer::sum);
      }
    }
    byKind.forEach((kind, n) -> meters.gauge(MeterNames.CONNECTIONS, "peer connections now, by the kind of their path",
        Tags.of("path_kind", kind.label()), n));
    for (PathMoveCount m : endpoint.pathMoves()) {
      meters.counter(MeterNames.PATH_MOVES, "moves of peer connections between kinds of path, by cause",
          Tags.of("from", m.from().label(), "to", m.to().label(), "cause", m.cause()), m.count());
    }
    endpoint.drops().forEach((reason, n) -> meters.counter(MeterNames.DROPS, "packets dropped, by where and why",
        Tags.of("source", "endpoint", "reason", reason), n));
  }
}
