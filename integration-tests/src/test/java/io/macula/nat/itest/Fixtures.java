package io.macula.nat.itest;

import io.macula.nat.api.Negotiator;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.StrategyStatus;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.framework.InvalidSyntaxException;

/** Installs the scripted strategy bundle and configures its strategies, as an operator would. */
final class Fixtures {
  static final String SCRIPTED_PID = "io.macula.nat.test.scripted";
  static final String OVERRIDE_PID = "io.macula.nat.strategy";
  static final NodeId PEER = NodeId.parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");

  private final BundleContext context;
  private final ConfigurationAdmin cm;

  Fixtures(BundleContext context, ConfigurationAdmin cm) {
    this.context = context;
    this.cm = cm;
  }

  Bundle installScriptedStrategies() throws BundleException {
    Bundle b = context.installBundle(TestRuntime.url(TestRuntime.FIXTURE_STRATEGY));
    b.start();
    return b;
  }

  /** One scripted strategy: its name, priority, timeout, outcome and kind of path. */
  void strategy(String name, int priority, long timeoutMs, String outcome, String path)
      throws IOException {
    Configuration c = cm.getFactoryConfiguration(SCRIPTED_PID, name, "?");
    Dictionary<String, Object> p = new Hashtable<>();
    p.put("name", name);
    p.put("priority", priority);
    p.put("timeout_ms", timeoutMs);
    p.put("outcome", outcome);
    p.put("path", path);
    c.update(p);
  }

  /** Writes an operator's override of a strategy, straight into ConfigAdmin. */
  void override(String name, Map<String, Object> values) throws IOException {
    Configuration c = cm.getFactoryConfiguration(OVERRIDE_PID, name, "?");
    Dictionary<String, Object> p = new Hashtable<>(values);
    p.put("name", name);
    c.update(p);
  }

  /** Deletes every configuration the tests made, so that each test starts from none. */
  void deleteAll() throws IOException, InvalidSyntaxException {
    for (String pid : List.of(SCRIPTED_PID, OVERRIDE_PID)) {
      Configuration[] configs = cm.listConfigurations("(service.factoryPid=" + pid + ")");
      if (configs != null) {
        for (Configuration c : configs) {
          c.delete();
        }
      }
    }
  }

  static List<String> names(Negotiator n) {
    return n.strategies().stream().map(StrategyStatus::name).toList();
  }

  static void awaitStrategies(Negotiator n, String... names) {
    Await.until("strategies " + List.of(names) + ", in that order", () -> names(n).equals(List.of(names)));
  }

}
