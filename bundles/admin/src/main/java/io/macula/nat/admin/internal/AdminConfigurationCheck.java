package io.macula.nat.admin.internal;

import io.macula.nat.config.api.ConfigurationCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.bundle.Header;

/** What Metatype cannot check of the admin socket's configuration: that its directory exists. */
@Header(name = ConfigurationCheck.HEADER, value = "${@class}")
public final class AdminConfigurationCheck implements ConfigurationCheck {
  @Override
  public Optional<String> check(String pid, String key, Map<String, ?> proposed) {
    Object value = proposed.get(key);
    if (!pid.equals(AdminSocket.PID) || !key.equals("socket") || value == null) {
      return Optional.empty();
    }
    Path dir = AdminSocket.socketPath(String.valueOf(value)).getParent();
    return dir == null || Files.isDirectory(dir) ? Optional.empty()
        : Optional.of("no directory " + dir + " to put the socket in");
  }
}
