package io.macula.nat.transport.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.osgi.framework.BundleContext;

/** Where the node's key file is, and where it was last: the endpoint records it in its bundle's storage. */
final class IdentityLocation {
  private static final String RECORD = "identity.location";
  private static final String DEFAULT = "identity.pem";

  private IdentityLocation() {}

  /** The key file a configured {@code identity} names: the bundle's storage when blank. */
  static Path file(BundleContext context, String configured) {
    return (configured.isBlank() ? context.getDataFile(DEFAULT).toPath() : Path.of(configured))
        .toAbsolutePath().normalize();
  }

  static Optional<Path> recorded(BundleContext context) {
    Path record = context.getDataFile(RECORD).toPath();
    try {
      return Files.exists(record)
          ? Optional.of(Path.of(Files.readString(record, StandardCharsets.UTF_8).strip()))
          : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static void record(BundleContext context, Path file) throws IOException {
    Files.writeString(context.getDataFile(RECORD).toPath(), file.toString(), StandardCharsets.UTF_8);
  }
}
