package io.macula.nat.stun.api;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How long the NAT before the node keeps an idle UDP mapping (RFC 5780 §4.6), as measured: the
 * mapping outlived {@code atLeast} (zero when it outlived no wait tried), and was gone after {@code
 * lostBy}, if it did not outlive every wait tried.
 *
 * @param server the STUN server the measurement ran against
 */
public record BindingLifetime(Duration atLeast, Optional<Duration> lostBy, InetSocketAddress server,
    Instant measuredAt) {
  public BindingLifetime {
    Objects.requireNonNull(atLeast, "atLeast");
    Objects.requireNonNull(lostBy, "lostBy");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(measuredAt, "measuredAt");
  }

  /** For an operator: "at least 2 s, gone by 3 s", or "at least 40 s". */
  public String describe() {
    return "at least " + seconds(atLeast) + lostBy.map(l -> ", gone by " + seconds(l)).orElse("");
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
