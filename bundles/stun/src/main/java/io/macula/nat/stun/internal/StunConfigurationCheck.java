package io.macula.nat.stun.internal;

import io.macula.nat.config.api.ConfigurationCheck;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.bundle.Header;

/** What Metatype cannot check of the STUN client's and server's configuration: servers and addresses. */
@Header(name = ConfigurationCheck.HEADER, value = "${@class}")
public final class StunConfigurationCheck implements ConfigurationCheck {
  @Override
  public Optional<String> check(String pid, String key, Map<String, ?> proposed) {
    Object value = proposed.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (pid.equals(StunComponent.PID) && key.equals("stun_servers")) {
      return ConfigurationCheck.refusal(() -> StunComponent.parseServers(
          ConfigurationCheck.strings(value).toArray(String[]::new)));
    }
    if (pid.equals(StunServerComponent.PID) && (key.equals("address") || key.equals("alternate_address"))) {
      return localAddress(String.valueOf(value), key);
    }
    return Optional.empty();
  }

  /** The server answers from these addresses, so they must be this host's own. */
  private static Optional<String> localAddress(String text, String key) {
    InetAddress[] ip = new InetAddress[1];
    Optional<String> bad = ConfigurationCheck.refusal(() -> ip[0] = StunServerComponent.address(text, key));
    if (bad.isPresent() || ip[0] == null || ip[0].isAnyLocalAddress()) {
      return bad;
    }
    try {
      return NetworkInterface.getByInetAddress(ip[0]) != null ? Optional.empty()
          : Optional.of(ip[0].getHostAddress() + " is not an address of this host");
    } catch (SocketException e) {
      return Optional.of("cannot list this host's addresses: " + e.getMessage());
    }
  }
}
