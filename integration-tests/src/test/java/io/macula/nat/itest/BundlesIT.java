package io.macula.nat.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
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
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.metatype.MetaTypeService;

/**
 * Every project bundle resolves and starts, every component of every bundle activates (the node is
 * configured as a hub, with a hub session and a strategy override, so none waits for a
 * configuration), and nothing logs an error.
 */
@RunWith(PaxExam.class)
public class BundlesIT {
  @Inject BundleContext context;
  @Inject ConfigurationAdmin cm;
  @Inject ServiceComponentRuntime scr;
  @Inject LogReaderService logReader;
  @Inject MetaTypeService metatype;

  @Configuration
  public Option[] config() {
    return options(TestRuntime.base());
  }

  @Test
  public void everyProjectBundleStartsAndNothingLogsAnError() throws Exception {
    // The admin socket's path is configured first: its default lies in the working directory.
    configureAdminSocket();
    configureEveryComponent();
    context.installBundle(TestRuntime.url(TestRuntime.ADMIN)).start();
    for (String strategy : TestRuntime.STRATEGY_BUNDLES) {
      context.installBundle(TestRuntime.url(strategy)).start();
    }

    for (String bsn : TestRuntime.PROJECT_BUNDLES) {
      assertEquals(bsn + " is active", Bundle.ACTIVE, installed(bsn).getState());
    }
    assertEquals(Bundle.ACTIVE, installed(TestRuntime.ADMIN).getState());
    for (String strategy : TestRuntime.STRATEGY_BUNDLES) {
      assertEquals(strategy + " is active", Bundle.ACTIVE, installed(strategy).getState());
    }
    Await.value("every project component is active", this::inactiveComponents, List::isEmpty);

    List<String> errors = new ArrayList<>();
    for (LogEntry e : Collections.list(logReader.getLog())) {
      if (e.getLogLevel() == LogLevel.ERROR) {
        errors.add(e.getBundle().getSymbolicName() + ": " + e.getMessage() + " " + e.getException());
      }
    }
    assertTrue("errors were logged: " + errors, errors.isEmpty());
  }

  /**
   * Every reference of every project component has a name of its own, so that scr:info (or
   * Karaf's bundle:diag) says in words what a waiting component waits for, never "$000".
   */
  @Test
  public void everyReferenceIsNamed() throws Exception {
    for (String strategy : TestRuntime.STRATEGY_BUNDLES) {
      context.installBundle(TestRuntime.url(strategy)).start();
    }
    List<String> unnamed = new ArrayList<>();
    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
      if (d.bundle.symbolicName.startsWith("io.macula.nat")) {
        for (var r : d.references) {
          if (r.name.startsWith("$")) {
            unnamed.add(d.name + " " + r.name + " (" + r.interfaceName + ")");
          }
        }
      }
    }
    assertEquals(List.of(), unnamed);
  }

  @Test
  public void theStrategyOverridesAreDescribedByMetatype() {
    var info = metatype.getMetaTypeInformation(installed("io.macula.nat.negotiator"));
    assertTrue(List.of(info.getFactoryPids()).contains("io.macula.nat.strategy"));
    var ocd = info.getObjectClassDefinition("io.macula.nat.strategy", null);
    assertNotNull(ocd);
    List<String> keys = new ArrayList<>();
    for (var ad : ocd.getAttributeDefinitions(org.osgi.service.metatype.ObjectClassDefinition.ALL)) {
      keys.add(ad.getID());
    }
    assertTrue(keys.toString(), keys.containsAll(List.of("name", "enabled", "priority", "timeout_ms")));
  }

  /** Each strategy's defaults are its own configuration, with the roadmap's values, in Metatype. */
  @Test
  public void eachStrategysDefaultsAreDescribedByMetatype() throws Exception {
    for (String strategy : TestRuntime.STRATEGY_BUNDLES) {
      context.installBundle(TestRuntime.url(strategy)).start();
    }
    java.util.Map<String, String> expected = java.util.Map.of(
        "direct", "100/2000", "holepunch", "80/3000", "hubrelay", "40/5000", "turn", "70/5000",
        "peerrelay", "60/2000");
    expected.forEach((name, defaults) -> {
      String pid = "io.macula.nat.strategy." + name;
      var ocd = metatype.getMetaTypeInformation(installed(pid)).getObjectClassDefinition(pid, null);
      assertNotNull(pid, ocd);
      java.util.Map<String, String> values = new java.util.HashMap<>();
      for (var ad : ocd.getAttributeDefinitions(org.osgi.service.metatype.ObjectClassDefinition.ALL)) {
        values.put(ad.getID(), ad.getDefaultValue()[0]);
      }
      assertEquals(pid, defaults, values.get("priority") + "/" + values.get("timeout_ms"));
    });
  }

  /** The project's components that are not active (or satisfied, for delayed ones). */
  private List<String> inactiveComponents() {
    List<String> inactive = new ArrayList<>();
    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
      if (!d.bundle.symbolicName.startsWith("io.macula.nat")) {
        continue;
      }
      var configs = scr.getComponentConfigurationDTOs(d);
      if (configs.isEmpty()) {
        inactive.add(d.name + " (no configuration)");
      }
      for (ComponentConfigurationDTO c : configs) {
        if (c.state != ComponentConfigurationDTO.ACTIVE && c.state != ComponentConfigurationDTO.SATISFIED) {
          inactive.add(d.name + " state " + c.state + " unsatisfied "
              + java.util.Arrays.stream(c.unsatisfiedReferences).map(r -> r.name + "=" + r.target).toList());
        }
      }
    }
    return inactive;
  }

  /**
   * A hub, a hub session (to a hub that does not answer: the session keeps trying, and its
   * services are there meanwhile), one strategy override and a TURN server: what a hub node and a
   * plain node run.
   */
  private void configureEveryComponent() throws Exception {
    Dictionary<String, Object> hub = new Hashtable<>();
    hub.put("admission", "open");
    cm.getConfiguration("io.macula.nat.hub", "?").update(hub);
    Dictionary<String, Object> session = new Hashtable<>();
    session.put("hub", io.macula.nat.api.NodeId.of(new byte[io.macula.nat.api.NodeId.LENGTH]) + "@127.0.0.1:9");
    cm.getConfiguration("io.macula.nat.peer", "?").update(session);
    Dictionary<String, Object> override = new Hashtable<>();
    override.put("name", "holepunch");
    override.put("enabled", true);
    cm.getFactoryConfiguration("io.macula.nat.strategy", "holepunch", "?").update(override);
    Dictionary<String, Object> turnServer = new Hashtable<>();
    turnServer.put("listen", "127.0.0.1:0");
    cm.getConfiguration("io.macula.nat.turn.server", "?").update(turnServer);
  }

  private void configureAdminSocket() throws Exception {
    var c = cm.getConfiguration("io.macula.nat.admin", "?");
    Dictionary<String, Object> p = new Hashtable<>();
    p.put("socket", new File("target/bundles-it-admin.sock").getAbsolutePath());
    c.update(p);
  }

  private Bundle installed(String bsn) {
    for (Bundle b : context.getBundles()) {
      if (bsn.equals(b.getSymbolicName())) {
        return b;
      }
    }
    throw new AssertionError(bsn + " is not installed");
  }
}
