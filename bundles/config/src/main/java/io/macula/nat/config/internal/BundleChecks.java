package io.macula.nat.config.internal;

import io.macula.nat.config.api.ConfigurationCheck;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Bundle;

/**
 * The {@link ConfigurationCheck} each bundle names in its manifest, loaded from the bundle on first
 * use and forgotten when the bundle changes.
 */
final class BundleChecks {
  private record Loaded(long modified, Optional<ConfigurationCheck> check) {}

  private final Map<Long, Loaded> byBundle = new ConcurrentHashMap<>();

  /** The bundle's check, empty if it names none; a check that cannot be loaded is an error. */
  Optional<ConfigurationCheck> of(Bundle bundle) throws ReflectiveOperationException {
    Loaded loaded = byBundle.get(bundle.getBundleId());
    if (loaded != null && loaded.modified() == bundle.getLastModified()) {
      return loaded.check();
    }
    Optional<ConfigurationCheck> check = load(bundle);
    byBundle.put(bundle.getBundleId(), new Loaded(bundle.getLastModified(), check));
    return check;
  }

  void forget(Bundle bundle) {
    byBundle.remove(bundle.getBundleId());
  }

  private static Optional<ConfigurationCheck> load(Bundle bundle) throws ReflectiveOperationException {
    String name = bundle.getHeaders("").get(ConfigurationCheck.HEADER);
    if (name == null || name.isBlank()) {
      return Optional.empty();
    }
    Class<?> type = bundle.loadClass(name.trim());
    return Optional.of((ConfigurationCheck) type.getConstructor().newInstance());
  }
}
