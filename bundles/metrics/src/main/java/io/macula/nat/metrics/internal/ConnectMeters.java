package io.macula.nat.metrics.internal;

import io.macula.nat.api.AttemptOutcome;
import io.macula.nat.api.TraversalEvent;
import io.macula.nat.api.TraversalListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Every attempt of every connect, by strategy and outcome, and how long the successful ones took. */
@Component(service = TraversalListener.class)
public final class ConnectMeters implements TraversalListener {
  private final MeterRegistry registry;

  @Activate
  public ConnectMeters(@Reference NatMeters meters) {
    this.registry = meters.registry();
  }

  @Override
  public void onEvent(TraversalEvent event) {
    if (event instanceof TraversalEvent.AttemptSucceeded s) {
      attempts(s.strategy(), AttemptOutcome.SUCCEEDED).increment();
      Histograms.latency(MeterNames.CONNECT_TIME, "how long a successful connect attempt took, by strategy")
          .tag("strategy", s.strategy()).register(registry).record(s.elapsed());
    } else if (event instanceof TraversalEvent.AttemptFailed f) {
      attempts(f.strategy(), f.outcome()).increment();
    }
  }

  private Counter attempts(String strategy, AttemptOutcome outcome) {
    return Counter.builder(MeterNames.CONNECT_ATTEMPTS)
        .description("connect attempts by strategy and how they ended")
        .tag("strategy", strategy).tag("outcome", outcome.label()).register(registry);
  }
}
