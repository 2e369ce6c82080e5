package io.macula.nat.config.internal;

import io.macula.nat.config.api.ConfigurationCheck;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Checks every configuration of the project's components before the component sees it (ConfigAdmin
 * hands SCR the properties after its plugins ran). A configuration with a bad value is not passed
 * on: the component keeps the last good configuration of that PID, or, before there was one, its
 * defaults for the refused keys. Each refusal is logged once, naming the PID, the key and the reason.
 *
 * <p>The node's framework lists this plugin in {@code felix.cm.config.plugins}, so ConfigAdmin
 * serves no configuration before the guard is there.
 */
@Component(
    service = ConfigurationPlugin.class,
    property = {
      ConfigurationGuard.PLUGIN_ID + "=" + ConfigurationGuard.ID,
      // Last of the plugins that may change a configuration (0-1000): it sees their result.
      ConfigurationPlugin.CM_RANKING + ":Integer=1000"
    })
public final class ConfigurationGuard implements ConfigurationPlugin {
  static final String PLUGIN_ID = "config.plugin.id";
  static final String ID = "io.macula.nat.config";
  static final String PREFIX = "io.macula.nat.";

  private final Logger log;
  private final MetaTypeService metatype;
  private final BundleContext context;
  private final BundleChecks checks = new BundleChecks();
  private final Map<String, Map<String, Object>> lastGood = new ConcurrentHashMap<>();
  private final Map<String, String> lastLogged = new ConcurrentHashMap<>();
  private final BundleListener forget = this::bundleChanged;

  @Activate
  public ConfigurationGuard(
      BundleContext context,
      @Reference MetaTypeService metatype,
      @Reference(service = LoggerFactory.class) Logger log) {
    this.context = context;
    this.metatype = metatype;
    this.log = log;
    context.addBundleListener(forget);
  }

  @Deactivate
  void deactivate() {
    context.removeBundleListener(forget);
  }

  @Override
  public void modifyConfiguration(ServiceReference<?> target, Dictionary<String, Object> properties) {
    String pid = (String) properties.get(Constants.SERVICE_PID);
    String factoryPid = (String) properties.get(ConfigurationAdmin.SERVICE_FACTORYPID);
    String type = factoryPid != null ? factoryPid : pid;
    Bundle bundle = target == null ? null : target.getBundle();
    if (pid == null || !type.startsWith(PREFIX) || bundle == null) {
      return;
    }
    Map<String, Object> proposed = toMap(properties);
    Judgement judgement = judge(bundle, type, proposed);
    warnOnce(pid + "#unknown", judgement.unknown().isEmpty() ? null
        : pid + ": ignoring keys it does not know: " + String.join(", ", judgement.unknown()));
    if (judgement.refusals().isEmpty()) {
      lastGood.put(pid, proposed);
      lastLogged.remove(pid);
      return;
    }
    Map<String, Object> kept = lastGood.get(pid);
    String refused = judgement.refusals().stream().map(Refusal::toString).collect(Collectors.joining("; "));
    if (kept != null) {
      warnOnce(pid, pid + ": refused " + refused + "; the last good configuration stays in force");
      replace(properties, kept);
    } else {
      warnOnce(pid, pid + ": refused " + refused + "; the defaults stay in force for "
          + (judgement.refusals().size() == 1 ? "it" : "them"));
      judgement.refusals().forEach(r -> properties.remove(r.key()));
    }
  }

  record Judgement(List<Refusal> refusals, Set<String> unknown) {}

  /** What Metatype and the bundle's own check make of a proposed configuration of {@code type}. */
  Judgement judge(Bundle bundle, String type, Map<String, Object> proposed) {
    List<Refusal> refusals = new ArrayList<>();
    Set<String> keys = new LinkedHashSet<>();
    Set<String> unknown = new LinkedHashSet<>();
    Optional<ObjectClassDefinition> ocd = definition(bundle, type);
    ocd.ifPresent(d -> {
      refusals.addAll(MetatypeRules.refusals(d, proposed));
      keys.addAll(MetatypeRules.ids(d.getAttributeDefinitions(ObjectClassDefinition.ALL)));
      proposed.keySet().stream()
          .filter(k -> !k.contains(".") && !keys.contains(k))
          .forEach(unknown::add);
    });
    proposed.keySet().stream().filter(k -> !k.contains(".")).forEach(keys::add);
    Set<String> refusedKeys = refusals.stream().map(Refusal::key).collect(Collectors.toSet());
    try {
      Optional<ConfigurationCheck> check = checks.of(bundle);
      if (check.isPresent()) {
        for (String key : keys) {
          if (!refusedKeys.contains(key)) {
            check.get().check(type, key, Collections.unmodifiableMap(proposed))
                .ifPresent(why -> refusals.add(new Refusal(key, proposed.get(key), why)));
          }
        }
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      log.error("{}: the configuration check of {} failed; checked with Metatype only", type,
          bundle.getSymbolicName(), e);
    }
    return new Judgement(refusals, unknown);
  }

  private Optional<ObjectClassDefinition> definition(Bundle bundle, String type) {
    MetaTypeInformation info = metatype.getMetaTypeInformation(bundle);
    if (info == null) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(info.getObjectClassDefinition(type, null));
    } catch (IllegalArgumentException noSuchDefinition) {
      return Optional.empty();
    }
  }

  private void warnOnce(String slot, String line) {
    if (line == null) {
      lastLogged.remove(slot);
    } else if (!line.equals(lastLogged.put(slot, line))) {
      log.warn(line);
    }
  }

  private void bundleChanged(BundleEvent event) {
    switch (event.getType()) {
      case BundleEvent.UPDATED, BundleEvent.UNINSTALLED, BundleEvent.UNRESOLVED -> checks.forget(event.getBundle());
      default -> { }
    }
  }

  private static Map<String, Object> toMap(Dictionary<String, Object> d) {
    Map<String, Object> m = new HashMap<>();
    for (var keys = d.keys(); keys.hasMoreElements(); ) {
      String k = keys.nextElement();
      m.put(k, d.get(k));
    }
    return m;
  }

  private static void replace(Dictionary<String, Object> properties, Map<String, Object> with) {
    for (String k : Collections.list(properties.keys())) {
      if (!with.containsKey(k)) {
        properties.remove(k);
      }
    }
    with.forEach(properties::put);
  }
}
