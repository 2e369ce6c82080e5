package io.macula.nat.hub.internal;

import io.macula.nat.config.api.ConfigurationCheck;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.bundle.Header;

/** What Metatype cannot check of the hub's configuration: the node ids it admits, where its directory is. */
@Header(name = ConfigurationCheck.HEADER, value = "${@class}")
public final class HubConfigurationCheck implements ConfigurationCheck {
  @Override
  public Optional<String> check(String pid, String key, Map<String, ?> proposed) {
    Object value = proposed.get(key);
    if (!pid.equals(HubComponent.PID) || value == null) {
      return Optional.empty();
    }
    return switch (key) {
      case "allow" -> ConfigurationCheck.refusal(() -> HubComponent.parseAllow(
          ConfigurationCheck.strings(value).toArray(String[]::new)));
      case "zookeeper" -> ConfigurationCheck.refusal(() -> HubComponent.checkZookeeper(value.toString()));
      case "address" -> ConfigurationCheck.refusal(() -> HubComponent.checkAddress(value.toString()));
      default -> Optional.empty();
    };
  }
}
