package io.macula.nat.metrics.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** How connect attempts end, by strategy, and how long the successful ones took. */
@Component(service = StatusSection.class)
public final class ConnectsSection implements StatusSection {
  /** Outcomes that say nothing of how well a strategy works: it did not apply, or another won first. */
  private static final Set<String> NOT_COUNTED = Set.of("not-applicable", "cancelled");

  private final NatMeters meters;

  @Activate
  public ConnectsSection(@Reference NatMeters meters) {
    this.meters = meters;
  }

  @Override
  public int rank() {
    return 30;
  }

  @Override
  public void render(Html out) {
    out.heading("Connects by strategy");
    Map<String, long[]> byStrategy = new TreeMap<>(); // succeeded, ended (counted), not counted
    for (Counter c : meters.registry().find(MeterNames.CONNECT_ATTEMPTS).counters()) {
      long[] n = byStrategy.computeIfAbsent(c.getId().getTag("strategy"), k -> new long[3]);
      String outcome = c.getId().getTag("outcome");
      long count = (long) c.count();
      if (NOT_COUNTED.contains(outcome)) {
        n[2] += count;
      } else {
        n[1] += count;
        n[0] += outcome.equals("succeeded") ? count : 0;
      }
    }
    if (byStrategy.isEmpty()) {
      out.none("no connects yet");
      return;
    }
    List<List<Object>> rows = new ArrayList<>();
    byStrategy.forEach((strategy, n) -> rows.add(List.of(strategy, n[0], n[1] - n[0],
        n[1] == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", 100.0 * n[0] / n[1]), n[2])));
    out.table("connects", List.of("STRATEGY", "SUCCEEDED", "FAILED", "SUCCESS", "NOT TRIED OR OUTRUN"), rows);
    for (Timer t : meters.registry().find(MeterNames.CONNECT_TIME).timers()) {
      out.bars("connect time by " + t.getId().getTag("strategy") + " (" + t.count() + ")", LatencyRanges.LABELS,
          LatencyRanges.of(t));
    }
  }
}
