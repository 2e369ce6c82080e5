package io.macula.nat.turn.internal;

import io.macula.nat.config.api.ConfigurationCheck;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.bundle.Header;

/** What Metatype cannot check of the TURN client's configuration: its servers' URIs. */
@Header(name = ConfigurationCheck.HEADER, value = "${@class}")
public final class TurnConfigurationCheck implements ConfigurationCheck {
  @Override
  public Optional<String> check(String pid, String key, Map<String, ?> proposed) {
    Object value = proposed.get(key);
    if (!pid.equals(TurnRelayComponent.PID)) {
      return Optional.empty();
    }
    if (key.equals("turn_servers") && value != null) {
      return ConfigurationCheck.refusal(() -> TurnRelayComponent.parseServers(
          ConfigurationCheck.strings(value).toArray(String[]::new)));
    }
    boolean servers = ConfigurationCheck.strings(proposed.get("turn_servers")).stream()
        .anyMatch(s -> !s.isBlank());
    Object secretValue = proposed.get("secret");
    boolean secret = secretValue != null && !String.valueOf(secretValue).isEmpty();
    if ((key.equals("username") || key.equals("credential")) && servers && !secret
        && (value == null || String.valueOf(value).isEmpty())) {
      return Optional.of("the TURN servers need a username and a credential, or a secret: a TURN server"
          + " allocates only for credentials");
    }
    return Optional.empty();
  }
}
