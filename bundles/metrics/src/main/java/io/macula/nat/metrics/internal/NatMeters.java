package io.macula.nat.metrics.internal;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The node's meter registry, in Prometheus' form: what the parts of the node record as it happens
 * (connects, round trips), and what the {@link MeterSource}s report each time the metrics are read.
 */
@Component(service = NatMeters.class, immediate = true)
public final class NatMeters {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final SnapshotMeters snapshots = new SnapshotMeters(registry);
  private final List<MeterSource> sources = new CopyOnWriteArrayList<>();
  private final Logger log;

  @Activate
  public NatMeters(@Reference(service = LoggerFactory.class) Logger log) {
    this.log = log;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addSource(MeterSource source) {
    sources.add(source);
  }

  void removeSource(MeterSource source) {
    sources.remove(source);
  }

  @Deactivate
  void deactivate() {
    registry.close();
  }

  PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Reads every source again; what a source no longer has (or a source gone) leaves the registry. */
  synchronized void refresh() {
    snapshots.startRound();
    for (MeterSource s : sources) {
      try {
        s.report(snapshots);
      } catch (RuntimeException e) {
        log.warn("{} could not report its metrics", s.getClass().getSimpleName(), e);
      }
    }
    snapshots.endRound();
  }

  /** The metrics, read again, in the exposition format of {@code contentType} (Prometheus text if null). */
  String scrape(String contentType) {
    refresh();
    return contentType == null ? registry.scrape() : registry.scrape(contentType);
  }
}
