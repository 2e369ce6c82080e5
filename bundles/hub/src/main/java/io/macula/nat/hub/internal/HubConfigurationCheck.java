package io.macula.nat.hub.internal;

import io.macula.nat.config.api.ConfigurationCheck;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.bundle.Header;

/** What Metatype cannot check of the hub's configuration: the node ids it admits. */
@Header(name = ConfigurationCheck.HEADER, value = "${@class}")
public final class HubConfigurationCheck implements ConfigurationCheck {
  @Override
  public Optional<String> check(String pid, String key, Map<String, ?> proposed) {
    Object value = proposed.get(key);
    if (!pid.equals(HubComponent.PID) || !key.equals("allow") || value == null) {
      return Optional.empty();
    }
    return ConfigurationCheck.refusal(() -> HubComponent.parseAllow(
        ConfigurationCheck.strings(value).toArray(String[]::new)));
  }
}
