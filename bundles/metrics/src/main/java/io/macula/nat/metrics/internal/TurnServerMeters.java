package io.macula.nat.metrics.internal;

import io.macula.nat.turn.api.TurnService;
import io.micrometer.core.instrument.Tags;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * On a TURN server: its allocations now and its events by name (the relayed bytes and the drops
 * are {@link RelayMeters}').
 */
@Component(service = MeterSource.class)
public final class TurnServerMeters implements MeterSource {
  private final TurnService turn;

  @Activate
  public TurnServerMeters(@Reference TurnService turn) {
    this.turn = turn;
  }

  @Override
  public void report(SnapshotMeters meters) {
    meters.gauge(MeterNames.TURN_ALLOCATIONS, "the TURN server's allocations now", Tags.empty(),
        turn.allocations().size());
    turn.counters().forEach((event, n) -> {
      if (!event.startsWith("drop-") && !event.startsWith("relayed-")) {
        meters.counter(MeterNames.TURN_SERVER_EVENTS, "the TURN server's events, by name", Tags.of("event", event), n);
      }
    });
  }
}
