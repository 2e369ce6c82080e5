package io.macula.nat.config.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.config.api.ConfigurationCheck;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.felix.metatype.AD;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.Logger;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/** The guard with Felix's own Metatype validator behind a configuration of three keys. */
class ConfigurationGuardTest {
  static final String PID = "io.macula.nat.example";

  final List<String> warnings = new ArrayList<>();
  final ConfigurationGuard guard = new ConfigurationGuard(
      fake(BundleContext.class, Map.of()), metatype(), logger(warnings));

  @Test
  void aGoodConfigurationPassesUntouchedAndUnlogged() {
    Dictionary<String, Object> d = config(Map.of("port", "7000", "mode", "b", "host", "hub.example"));

    guard.modifyConfiguration(target(), d);

    assertEquals("7000", d.get("port"));
    assertEquals(List.of(), warnings);
  }

  @Test
  void aBadValueLeavesTheLastGoodConfigurationAndOneLineNamingTheKey() {
    guard.modifyConfiguration(target(), config(Map.of("port", "7000", "host", "hub.example")));

    Dictionary<String, Object> bad = config(Map.of("port", "seven", "host", "other.example"));
    guard.modifyConfiguration(target(), bad);
    guard.modifyConfiguration(target(), config(Map.of("port", "seven", "host", "other.example")));

    assertEquals("7000", bad.get("port"));
    assertEquals("hub.example", bad.get("host"), "the whole last good configuration, not a mix");
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(PID) && warnings.get(0).contains("port='seven'"), warnings.get(0));
  }

  @Test
  void outOfRangeAndUnknownOptionsAreRefused() {
    guard.modifyConfiguration(target(), config(Map.of("port", "7000", "host", "h")));

    for (Map<String, Object> bad : List.<Map<String, Object>>of(
        Map.of("port", "0", "host", "h"), Map.of("port", "65536", "host", "h"),
        Map.of("port", 7001, "mode", "c", "host", "h"), Map.of("port", "7001"))) {
      Dictionary<String, Object> d = config(bad);
      guard.modifyConfiguration(target(), d);
      assertEquals("7000", d.get("port"), bad.toString());
    }
    assertEquals(4, warnings.size(), warnings.toString());
    assertTrue(warnings.get(2).contains("mode='c'") && warnings.get(2).contains("one of a, b"), warnings.get(2));
    assertTrue(warnings.get(3).contains("host=(none) (required"), warnings.get(3));
  }

  @Test
  void withoutAGoodConfigurationBeforeOnlyTheRefusedKeysFallBackToTheirDefaults() {
    Dictionary<String, Object> d = config(Map.of("port", "-1", "mode", "b", "host", "h"));

    guard.modifyConfiguration(target(), d);

    assertNull(d.get("port"));
    assertEquals("b", d.get("mode"));
    assertTrue(warnings.get(0).contains("defaults stay in force"), warnings.get(0));
  }

  @Test
  void theBundlesOwnCheckRefusesWhatMetatypeCannotSee() {
    guard.modifyConfiguration(target(), config(Map.of("port", "7000", "host", "hub.example")));
    Dictionary<String, Object> d = config(Map.of("port", "7000", "host", "nowhere.invalid"));

    guard.modifyConfiguration(target(), d);

    assertEquals("hub.example", d.get("host"));
    assertTrue(warnings.get(0).contains("host='nowhere.invalid' (does not resolve)"), warnings.get(0));
  }

  @Test
  void anUnknownKeyIsLoggedOnceAndTheRestApplies() {
    Dictionary<String, Object> d = config(Map.of("port", "7000", "host", "h", "prot", "7001"));

    guard.modifyConfiguration(target(), d);
    guard.modifyConfiguration(target(), config(Map.of("port", "7000", "host", "h", "prot", "7001")));

    assertEquals("7000", d.get("port"));
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).contains("does not know: prot"), warnings.get(0));
  }

  @Test
  void otherProjectsConfigurationsAreNotTouched() {
    Dictionary<String, Object> d = config(Map.of("port", "seven"));
    d.put("service.pid", "org.example.other");

    guard.modifyConfiguration(target(), d);

    assertEquals("seven", d.get("port"));
    assertFalse(warnings.stream().anyMatch(w -> w.contains("org.example")));
  }

  /** The check a bundle names in its manifest: here, hosts ending in .invalid do not resolve. */
  public static final class HostCheck implements ConfigurationCheck {
    @Override
    public Optional<String> check(String pid, String key, Map<String, ?> proposed) {
      return key.equals("host") && String.valueOf(proposed.get(key)).endsWith(".invalid")
          ? Optional.of("does not resolve") : Optional.empty();
    }
  }

  static Dictionary<String, Object> config(Map<String, Object> values) {
    Dictionary<String, Object> d = new Hashtable<>(values);
    d.put("service.pid", PID);
    return d;
  }

  static ServiceReference<?> target() {
    Hashtable<String, String> headers = new Hashtable<>();
    headers.put(ConfigurationCheck.HEADER, HostCheck.class.getName());
    Bundle bundle = fake(Bundle.class, Map.of(
        "getBundleId", 7L, "getLastModified", 1L, "getHeaders", headers,
        "loadClass", HostCheck.class, "getSymbolicName", "example"));
    return fake(ServiceReference.class, Map.of("getBundle", bundle));
  }

  static MetaTypeService metatype() {
    AD port = ad("port", "Integer", true, "1");
    port.setMin("1");
    port.setMax("65535");
    AD mode = ad("mode", "String", true, "a");
    Map<String, String> options = new LinkedHashMap<>();
    options.put("a", "a");
    options.put("b", "b");
    mode.setOptions(options);
    AD host = ad("host", "String", true, null);
    AttributeDefinition[] all = {definition(port), definition(mode), definition(host)};
    ObjectClassDefinition ocd = fake(ObjectClassDefinition.class, Map.of("getAttributeDefinitions", all));
    MetaTypeInformation info = fake(MetaTypeInformation.class, Map.of("getObjectClassDefinition", ocd));
    return fake(MetaTypeService.class, Map.of("getMetaTypeInformation", info));
  }

  static AD ad(String id, String type, boolean required, String dflt) {
    AD ad = new AD();
    ad.setID(id);
    ad.setType(type);
    ad.setRequired(required);
    if (dflt != null) {
      ad.setDefaultValue(dflt);
    }
    return ad;
  }

  static AttributeDefinition definition(AD ad) {
    return (AttributeDefinition) Proxy.newProxyInstance(ConfigurationGuardTest.class.getClassLoader(),
        new Class<?>[] {AttributeDefinition.class}, (p, m, args) -> AD.class.getMethod(m.getName(), m.getParameterTypes()).invoke(ad, args));
  }

  static Logger logger(List<String> warnings) {
    return (Logger) Proxy.newProxyInstance(ConfigurationGuardTest.class.getClassLoader(),
        new Class<?>[] {Logger.class}, (p, m, args) -> {
          if (m.getName().equals("warn") || m.getName().equals("error")) {
            warnings.add(String.valueOf(args[0]));
          }
          return null;
        });
  }

  @SuppressWarnings("unchecked")
  static <T> T fake(Class<T> type, Map<String, Object> answers) {
    return (T) Proxy.newProxyInstance(ConfigurationGuardTest.class.getClassLoader(), new Class<?>[] {type},
        (p, m, args) -> answers.get(m.getName()));
  }
}
