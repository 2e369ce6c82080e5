package io.macula.nat.metrics.internal;

import io.macula.nat.turn.api.TurnService;
import io.micrometer.core.instrument.Tags;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * On a TURN server: its allocations now and its events by name (the relayed bytes and the drops
 * are {@link RelayMeters}').
 */
@Component(service = MeterSource.class)
public final class TurnServerMeters implements MeterSource {
  /** Only a node that runs a TURN server has one; optional, so that the bundle resolves on every node. */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile TurnService server;

  @Override
  public void report(SnapshotMeters meters) {
    TurnService turn = server;
    if (turn == null) {
      return;
    }
    meters.gauge(MeterNames.TURN_ALLOCATIONS, "the TURN server's allocations now", Tags.empty(),
        turn.allocations().size());
    turn.counters().forEach((event, n) -> {
      if (!event.startsWith("drop-") && !event.startsWith("relayed-")) {
        meters.counter(MeterNames.TURN_SERVER_EVENTS, "the TURN server's events, by name", Tags.of("event", event), n);
      }
    });
  }
}
