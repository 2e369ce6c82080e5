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
 * component activates. The hub's commands, metrics and status section take the hub as an optional
 * reference, so that no bundle waits (Karaf shows a bundle with a waiting component as Waiting,
 * and its resolver refuses a bundle whose mandatory service no bundle of the feature provides).
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
  public void everyComponentActivates() throws Exception {
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
    Await.value("every component is active", this::inactive, List::isEmpty);
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
