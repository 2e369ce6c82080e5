package io.macula.nat.itest;

import static org.junit.Assert.assertEquals;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.macula.nat.api.NodeId;
import io.macula.nat.transport.api.Endpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
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
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Every bad value of every configuration key of every project component is refused: the component
 * keeps serving with its last good configuration, and one log line names the PID and the key.
 */
@RunWith(PaxExam.class)
public class ConfigurationGuardIT {
  private static final String ABSENT = "(absent)";
  private static final String STRATEGY_FACTORY = "io.macula.nat.strategy";

  @Inject BundleContext context;
  @Inject ConfigurationAdmin cm;
  @Inject ServiceComponentRuntime scr;
  @Inject LogReaderService logReader;
  @Inject MetaTypeService metatype;
  @Inject Endpoint endpoint;

  @Configuration
  public Option[] config() {
    List<Option> strategies = new ArrayList<>();
    for (String s : TestRuntime.STRATEGY_BUNDLES) {
      strategies.add(bundle(TestRuntime.url(s)));
    }
    return options(TestRuntime.base(), bundle(TestRuntime.url(TestRuntime.ADMIN)),
        composite(strategies.toArray(Option[]::new)));
  }

  /** A good configuration of each PID, and the bad values of each key. */
  private Map<String, Case> cases() throws Exception {
    Path home = Files.createTempDirectory("guard");
    String zero = NodeId.of(new byte[NodeId.LENGTH]).toString();
    Map<String, Case> c = new LinkedHashMap<>();
    c.put("io.macula.nat.endpoint", new Case(Map.of("bind", "127.0.0.1:0", "idle_timeout_ms", "30001"))
        .bad("bind", "nosuchhost.invalid:1", "127.0.0.1:70000", "127.0.0.1", "")
        .bad("identity", home.resolve("typo.pem").toString(), "/no/such/dir/key.pem",
            Files.writeString(home.resolve("garbage.pem"), "not a key").toString())
        .bad("idle_timeout_ms", "x", "999")
        .bad("tcp", "maybe"));
    c.put("io.macula.nat.peer", new Case(Map.of("hub", zero + "@127.0.0.1:9", "keepalive_ms", "1001"))
        .bad("hub", "nonsense", "", ABSENT, "abc@127.0.0.1:9", zero + "@nosuchhost.invalid:9")
        .bad("reported", "127.0.0.1", "nosuchhost.invalid:1")
        .bad("keepalive_ms", "x", "99")
        .bad("keepalive_misses", "x", "0", "-7"));
    c.put("io.macula.nat.relay", new Case(Map.of("relay_max_pairs", "9"))
        .bad("offers_relay", "maybe")
        .bad("relay_max_pairs", "x", "0", "4097")
        .bad("relay_bytes_per_second", "x", "0")
        .bad("relay_packets_per_second", "x", "0"));
    c.put("io.macula.nat.hub", new Case(Map.of("admission", "open", "relay_packets_per_second", "100001"))
        .bad("admission", "closed", "")
        .bad("allow", "not-a-node-id")
        .bad("relay_packets_per_second", "x", "0", "-1")
        .bad("relay_bytes_per_second", "x", "0")
        .bad("turn_credentials_s", "x", "29")
        .bad("zookeeper", "zk1", "127.0.0.1:2181,127.0.0.1:0", "zk1:99999/macula")
        .bad("address", "203.0.113.9", "127.0.0.1:0"));
    c.put("io.macula.nat.stun", new Case(Map.of("rediscover_s", "301"))
        .bad("stun_servers", "127.0.0.1:99999", "stun.example.net")
        .bad("rediscover_s", "x", "-1")
        .bad("probe_rto_ms", "x", "9")
        .bad("binding_rto_ms", "x", "9")
        .bad("binding_rc", "x", "0"));
    c.put("io.macula.nat.stun.server", new Case(Map.of("answers_per_second", "201"))
        .bad("enabled", "maybe")
        .bad("address", "203.0.113.9", "not an address!")
        .bad("alternate_address", "203.0.113.10", "nosuchhost.invalid")
        .bad("alternate_port", "x", "-1", "65536")
        .bad("answers_per_second", "x", "-1")
        .free("software", "any text may be sent as SOFTWARE"));
    c.put("io.macula.nat.ice", new Case(Map.of("pacing_ms", "21"))
        .bad("pacing_ms", "x", "4")
        .bad("check_rto_ms", "x", "9")
        .bad("nomination_delay_ms", "x", "-1")
        .bad("deadline_ms", "x", "499")
        .bad("relay_nomination_delay_ms", "x", "-1")
        .bad("relay_gathering_ms", "x", "-1"));
    c.put("io.macula.nat.negotiator", new Case(Map.of("attempt_history", "999", "upgrade_retry_ms", "1001"))
        .bad("attempt_history", "x", "0")
        .bad("upgrade_retry_ms", "x", "99")
        .bad("upgrade_max_retry_ms", "x", "999")
        .bad("fallback_after_ms", "x", "99"));
    c.put("io.macula.nat.admin", new Case(Map.of("socket", home.resolve("admin.sock").toString()))
        .bad("socket", "/no/such/dir/admin.sock")
        .bad("max_concurrent", "x", "0"));
    c.put("io.macula.nat.turn", new Case(Map.of("turn_servers", "turn:127.0.0.1:3478?transport=tcp",
            "username", "alice", "credential", "wonderland"))
        .bad("turn_servers", "turns:127.0.0.1?transport=udp", "turn:127.0.0.1?transport=sctp", "127.0.0.1")
        .bad("trust", "/no/such/dir/ca.pem", Files.writeString(home.resolve("garbage-ca.pem"), "not a certificate").toString())
        .bad("rest_lifetime_s", "x", "59")
        .bad("username", "")
        .bad("credential", "")
        .free("secret", "any text may be a shared secret"));
    c.put("io.macula.nat.turn.server", new Case(Map.of("listen", "127.0.0.1:0", "allow_peers", "127.0.0.0/8"))
        .bad("listen", "x", "127.0.0.1:99999")
        .bad("relay_ip", "0.0.0.0", "::")
        .bad("public_address", "x", "127.0.0.1:0")
        .bad("users", "alice", ":wonderland")
        .bad("allow_peers", "10.0.0.0", "10.0.0.0/40")
        .bad("allocations_per_user", "x", "0")
        .bad("bandwidth_bytes_per_second", "x", "-1")
        .free("realm", "any text may be a realm")
        .free("secret", "any text may be a shared secret"));
    c.put("io.macula.nat.metrics", new Case(Map.of("rtt_sample_seconds", "6"))
        .bad("relay_cost_per_gb", "x", "-1")
        .bad("rtt_sample_seconds", "x", "0", "3601")
        .free("relay_cost_currency", "any text may name a currency")
        .free(".access_token", "any text may be a token"));
    for (String s : List.of("direct", "holepunch", "hubrelay", "turn", "peerrelay")) {
      c.put("io.macula.nat.strategy." + s, new Case(Map.of("timeout_ms", "2500"))
          .bad("priority", "x", "1.5")
          .bad("timeout_ms", "x", "0"));
    }
    c.put(STRATEGY_FACTORY, new Case(Map.of("name", "direct", "priority", "100"))
        .bad("name", ABSENT, "")
        .bad("enabled", "maybe")
        .bad("priority", "x")
        .bad("timeout_ms", "x", "0"));
    return c;
  }

  @Test
  public void everyBadValueOfEveryKeyLeavesTheLastGoodConfigurationAndOneLineNamingTheKey() throws Exception {
    Map<String, Case> cases = cases();
    assertEquals("every key of every project configuration has a case", keysInMetatype(), keysIn(cases));
    NodeId id = endpoint.localId();

    List<String> failures = new ArrayList<>();
    for (Map.Entry<String, Case> e : cases.entrySet()) {
      String pid = e.getKey();
      Case c = e.getValue();
      org.osgi.service.cm.Configuration config = pid.equals(STRATEGY_FACTORY)
          ? cm.getFactoryConfiguration(STRATEGY_FACTORY, "guard", "?")
          : cm.getConfiguration(pid, "?");
      config.update(new Hashtable<>(c.good));
      awaitServing(pid, c.good);
      for (Map.Entry<String, List<String>> bad : c.bad.entrySet()) {
        for (String value : bad.getValue()) {
          int before = Collections.list(logReader.getLog()).size();
          Dictionary<String, Object> proposed = new Hashtable<>(c.good);
          if (value.equals(ABSENT)) {
            proposed.remove(bad.getKey());
          } else {
            proposed.put(bad.getKey(), value);
          }
          config.update(proposed);
          String line = pidOf(pid) + ": refused " + bad.getKey() + "=";
          String kept = "the last good configuration stays in force";
          try {
            Await.until(pid + " " + bad.getKey() + "='" + value + "' is refused in one log line",
                () -> linesSince(before, line, kept) == 1);
            awaitServing(pid, c.good);
          } catch (AssertionError failed) {
            failures.add(failed.getMessage());
          }
        }
      }
      config.update(new Hashtable<>(c.good));
      awaitServing(pid, c.good);
    }
    assertEquals(List.of(), failures);
    assertEquals("the node's identity never changed", id, endpoint.localId());
    assertEquals("no project component failed", List.of(), failedComponents());
    List<String> errors = new ArrayList<>();
    List<LogEntry> entries = Collections.list(logReader.getLog());
    Collections.reverse(entries);
    entries.stream().filter(entry -> entry.getMessage().contains(": refused "))
        .forEach(entry -> System.out.println("WARN " + entry.getMessage()));
    for (LogEntry entry : entries) {
      if (entry.getLogLevel() == LogLevel.ERROR) {
        errors.add(entry.getBundle().getSymbolicName() + ": " + entry.getMessage());
      }
    }
    assertEquals("nothing was logged at error level", List.of(), errors);
  }

  /** The component of {@code pid} is satisfied or active with the good values. */
  private void awaitServing(String pid, Map<String, String> good) {
    Await.until(pid + " serves with " + good, () -> {
      for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
        if (List.of(d.configurationPid).contains(pid)) {
          for (ComponentConfigurationDTO cc : scr.getComponentConfigurationDTOs(d)) {
            boolean serving = cc.state == ComponentConfigurationDTO.ACTIVE
                || cc.state == ComponentConfigurationDTO.SATISFIED;
            if (serving && good.entrySet().stream().allMatch(
                g -> Objects.equals(g.getValue(), String.valueOf(cc.properties.get(g.getKey()))))) {
              return true;
            }
          }
        }
      }
      return false;
    });
  }

  private List<String> failedComponents() {
    List<String> out = new ArrayList<>();
    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
      for (ComponentConfigurationDTO cc : scr.getComponentConfigurationDTOs(d)) {
        if (cc.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
          out.add(d.name + ": " + cc.failure);
        }
      }
    }
    return out;
  }

  private long linesSince(int index, String... texts) {
    List<LogEntry> entries = Collections.list(logReader.getLog());
    // Newest first: the entries logged since index are the first (size - index).
    return entries.subList(0, entries.size() - index).stream()
        .filter(e -> e.getLogLevel() == LogLevel.WARN && List.of(texts).stream().allMatch(e.getMessage()::contains))
        .count();
  }

  private static String pidOf(String pid) {
    return pid.equals(STRATEGY_FACTORY) ? STRATEGY_FACTORY + "~guard" : pid;
  }

  private Set<String> keysInMetatype() {
    Set<String> keys = new TreeSet<>();
    for (Bundle b : context.getBundles()) {
      if (!b.getSymbolicName().startsWith("io.macula.nat.")) {
        continue;
      }
      MetaTypeInformation info = metatype.getMetaTypeInformation(b);
      if (info == null) {
        continue;
      }
      List<String> pids = new ArrayList<>(List.of(info.getPids()));
      pids.addAll(List.of(info.getFactoryPids()));
      for (String pid : pids) {
        ObjectClassDefinition ocd = info.getObjectClassDefinition(pid, null);
        for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
          keys.add(pid + "/" + ad.getID());
        }
      }
    }
    return keys;
  }

  private static Set<String> keysIn(Map<String, Case> cases) {
    Set<String> keys = new TreeSet<>();
    cases.forEach((pid, c) -> {
      c.bad.keySet().forEach(k -> keys.add(pid + "/" + k));
      c.free.forEach(k -> keys.add(pid + "/" + k));
    });
    return keys;
  }

  /** A good configuration, the bad values of each key, and the keys that take any value. */
  private static final class Case {
    final Map<String, String> good;
    final Map<String, List<String>> bad = new LinkedHashMap<>();
    final List<String> free = new ArrayList<>();

    Case(Map<String, String> good) {
      this.good = new HashMap<>(good);
    }

    Case bad(String key, String... values) {
      bad.put(key, List.of(values));
      return this;
    }

    Case free(String key, String why) {
      free.add(key);
      return this;
    }
  }
}
