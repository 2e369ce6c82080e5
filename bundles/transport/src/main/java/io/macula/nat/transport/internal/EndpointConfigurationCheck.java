package io.macula.nat.transport.internal;

import io.macula.nat.config.api.ConfigurationCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.bundle.Header;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

/** What Metatype cannot check of the endpoint's configuration: the bind address, the identity file. */
@Header(name = ConfigurationCheck.HEADER, value = "${@class}")
public final class EndpointConfigurationCheck implements ConfigurationCheck {
  @Override
  public Optional<String> check(String pid, String key, Map<String, ?> proposed) {
    if (!pid.equals(EndpointComponent.PID)) {
      return Optional.empty();
    }
    Object value = proposed.get(key);
    return switch (key) {
      case "bind" -> value == null ? Optional.empty()
          : ConfigurationCheck.refusal(() -> EndpointComponent.parseBind(String.valueOf(value).strip()));
      case "identity" -> identity(value == null ? "" : String.valueOf(value).strip());
      default -> Optional.empty();
    };
  }

  /**
   * A key file must exist and be readable, unless this node has never had one: a path with a typo
   * must not make a new node id while the node's key sits elsewhere.
   */
  private static Optional<String> identity(String configured) {
    BundleContext context = FrameworkUtil.getBundle(EndpointConfigurationCheck.class).getBundleContext();
    if (context == null) {
      return Optional.empty();
    }
    Path file = IdentityLocation.file(context, configured);
    if (Files.exists(file)) {
      try {
        NodeIdentity.check(file);
        return Optional.empty();
      } catch (IOException e) {
        return Optional.of(e.getMessage());
      }
    }
    if (file.getParent() != null && !Files.isDirectory(file.getParent())) {
      return Optional.of("no directory " + file.getParent() + " to keep a key in");
    }
    Optional<Path> current = IdentityLocation.recorded(context).filter(Files::exists);
    if (current.isPresent() && !current.get().equals(file)) {
      return Optional.of("no key at " + file + ", and this node's key is at " + current.get()
          + ": move it there, or delete it to start a new node id");
    }
    return Optional.empty();
  }
}
