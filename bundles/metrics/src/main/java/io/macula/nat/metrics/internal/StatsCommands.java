package io.macula.nat.metrics.internal;

import io.macula.nat.api.command.OperatorCommands;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The same figures /metrics serves, in the shell: {@code nat:stats} all of them, {@code hub:stats} the hub's. */
@Component(service = StatsCommands.class)
@OperatorCommands(scope = "nat", function = "stats")
public final class StatsCommands {
  /** What a hub serves: its nodes, its relays (hub relay and TURN), and their drops. */
  private static final Set<String> HUB_RELAYS = Set.of("hub-relay", "turn");

  private final NatMeters meters;

  @Activate
  public StatsCommands(@Reference NatMeters meters) {
    this.meters = meters;
  }

  @Descriptor("print this node's metrics, as /metrics serves them: connects, paths, relays, NAT, STUN, drops")
  public void stats() {
    System.out.print(print(m -> true));
  }

  /** The hub's share of the figures; {@link HubStatsCommand} puts it in the hub's scope. */
  String hubStats() {
    return print(m -> {
      String name = m.getId().getName();
      String relay = m.getId().getTag("relay");
      String source = m.getId().getTag("source");
      return name.startsWith("macula.hub.") || name.startsWith("macula.turn.")
          || (relay != null && HUB_RELAYS.contains(relay)) || (source != null && HUB_RELAYS.contains(source));
    });
  }

  private String print(Predicate<Meter> which) {
    meters.refresh();
    List<Meter> shown = meters.registry().getMeters().stream()
        .filter(m -> m.getId().getName().startsWith(MeterNames.PREFIX))
        .filter(which)
        .sorted(Comparator.comparing((Meter m) -> m.getId().getName()).thenComparing(StatsCommands::tags))
        .toList();
    StringBuilder out = new StringBuilder();
    String last = null;
    for (Meter m : shown) {
      String name = m.getId().getName();
      if (!name.equals(last)) {
        out.append(name).append('\n');
        last = name;
      }
      out.append("  ").append(String.format("%-48s ", tags(m))).append(value(m)).append('\n');
    }
    if (out.length() == 0) {
      return "no metrics yet\n";
    }
    return out.append("(a histogram's count is since start; its percentiles and max, over the last ")
        .append(Histograms.PERCENTILE_WINDOW.toMinutes()).append(" minutes)\n").toString();
  }

  private static String tags(Meter m) {
    String t = m.getId().getTags().stream().map(Tag::getKey).sorted().map(k -> k + "=" + m.getId().getTag(k))
        .collect(Collectors.joining(" "));
    return t.isEmpty() ? "-" : t;
  }

  private static String value(Meter m) {
    if (m instanceof Timer t) {
      HistogramSnapshot s = t.takeSnapshot();
      StringBuilder b = new StringBuilder("count ").append(s.count());
      for (ValueAtPercentile p : s.percentileValues()) {
        b.append(String.format(Locale.ROOT, "  p%d %.1f ms", Math.round(p.percentile() * 100), p.value(TimeUnit.MILLISECONDS)));
      }
      return b.append(String.format(Locale.ROOT, "  max %.1f ms", s.max(TimeUnit.MILLISECONDS))).toString();
    }
    double v = m.measure().iterator().next().getValue();
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.6f", v);
  }
}
