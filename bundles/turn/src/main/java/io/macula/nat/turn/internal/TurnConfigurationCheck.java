package io.macula.nat.turn.internal;

import io.macula.nat.config.api.ConfigurationCheck;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.bundle.Header;

/**
 * What Metatype cannot check of the TURN client's configuration (its servers' URIs, and that it
 * has credentials for them) and of the TURN server's (its addresses, users and peer ranges).
 */
@Header(name = ConfigurationCheck.HEADER, value = "${@class}")
public final class TurnConfigurationCheck implements ConfigurationCheck {
  @Override
  public Optional<String> check(String pid, String key, Map<String, ?> proposed) {
    Object value = proposed.get(key);
    if (pid.equals(TurnServerComponent.PID)) {
      return value == null && !key.equals("relay_ip") ? Optional.empty() : server(key, value, proposed);
    }
    if (!pid.equals(TurnRelayComponent.PID)) {
      return Optional.empty();
    }
    if (key.equals("trust") && value != null) {
      return ConfigurationCheck.refusal(() -> TurnRelayComponent.tls(String.valueOf(value)));
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

  private static Optional<String> server(String key, Object value, Map<String, ?> proposed) {
    String text = value == null ? "" : String.valueOf(value);
    return switch (key) {
      case "listen", "public_address" -> ConfigurationCheck.refusal(() -> TurnServerComponent.address(text, key));
      case "relay_ip" -> {
        Object listen = proposed.get("listen");
        java.net.InetSocketAddress bind;
        try {
          bind = TurnServerComponent.address(listen == null ? "0.0.0.0:3478" : String.valueOf(listen), "listen")
              .resolve();
        } catch (IllegalArgumentException e) {
          yield Optional.empty(); // 'listen' is refused for itself
        }
        yield ConfigurationCheck.refusal(() -> TurnServerComponent.relayIp(text, bind));
      }
      case "users" -> ConfigurationCheck.refusal(() -> TurnServerComponent.users(
          ConfigurationCheck.strings(value).toArray(String[]::new)));
      case "allow_peers" -> ConfigurationCheck.refusal(() -> ConfigurationCheck.strings(value).forEach(PeerFilter::cidr));
      default -> Optional.empty();
    };
  }
}
