package io.macula.nat.peer.internal;

import io.macula.nat.config.api.ConfigurationCheck;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.bundle.Header;

/** What Metatype cannot check of the hub session's configuration: the hub's address, the reported ones. */
@Header(name = ConfigurationCheck.HEADER, value = "${@class}")
public final class HubSessionConfigurationCheck implements ConfigurationCheck {
  @Override
  public Optional<String> check(String pid, String key, Map<String, ?> proposed) {
    Object value = proposed.get(key);
    if (!pid.equals(HubSessionComponent.PID) || value == null) {
      return Optional.empty();
    }
    return switch (key) {
      case "hub" -> ConfigurationCheck.refusal(() -> HubAddress.parseList("hub", String.valueOf(value)));
      case "reported" -> ConfigurationCheck.refusal(() -> HubSessionComponent.parseReported(
          ConfigurationCheck.strings(value).toArray(String[]::new)));
      default -> Optional.empty();
    };
  }
}
