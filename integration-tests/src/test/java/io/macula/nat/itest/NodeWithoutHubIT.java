package io.macula.nat.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * A node that is not a hub runs without the hub bundle: every other bundle starts, and every
 * component activates but those that serve the hub's commands, metrics and status.
 */
@RunWith(PaxExam.class)
public class NodeWithoutHubIT {
  @Inject BundleContext context;
  @Inject ConfigurationAdmin cm;
  @Inject ServiceComponentRuntime scr;

  @Configuration
  public Option[] config() {
    return options(TestRuntime.node());
  }

  @Test
  public void everyComponentButTheHubsActivates() throws Exception {
    for (String strategy : TestRuntime.STRATEGY_BUNDLES) {
      context.installBundle(TestRuntime.url(strategy)).start();
    }
    Dictionary<String, Object> session = new Hashtable<>();
    session.put("hub", io.macula.nat.api.NodeId.of(new byte[io.macula.nat.api.NodeId.LENGTH]) + "@127.0.0.1:9");
    cm.getConfiguration("io.macula.nat.peer", "?").update(session);

    for (Bundle b : context.getBundles()) {
      String bsn = b.getSymbolicName();
      if (bsn.startsWith("io.macula.nat")) {
        assertTrue(bsn + " is not the hub", !bsn.equals(TestRuntime.HUB));
        assertEquals(bsn + " is active", Bundle.ACTIVE, b.getState());
      }
    }
    // The hub's commands, its metrics and status section, and the TURN server's metrics (no server
    // runs here) wait for what only a hub has.
    List<String> hubOnly = List.of("io.macula.nat.metrics.internal.HubMeters",
        "io.macula.nat.metrics.internal.HubSection", "io.macula.nat.metrics.internal.HubStatsCommand",
        "io.macula.nat.metrics.internal.TurnServerMeters", "io.macula.nat.shell.internal.HubCommands");
    Await.value("every component but the hub's is active", this::inactive,
        l -> l.stream().sorted().toList().equals(hubOnly));
  }

  private List<String> inactive() {
    List<String> out = new ArrayList<>();
    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
      if (!d.bundle.symbolicName.startsWith("io.macula.nat") || "require".equals(d.configurationPolicy)
          && (d.name.contains("StrategyOverride") || d.name.contains("TurnServerComponent"))) {
        continue; // an override, or a TURN server, exists only where an operator made one
      }
      var configs = scr.getComponentConfigurationDTOs(d);
      if (configs.isEmpty() || configs.stream().anyMatch(c -> c.state != ComponentConfigurationDTO.ACTIVE
          && c.state != ComponentConfigurationDTO.SATISFIED)) {
        out.add(d.name);
      }
    }
    return out;
  }
}
