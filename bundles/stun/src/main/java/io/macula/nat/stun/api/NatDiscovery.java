package io.macula.nat.stun.api;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/** NAT behaviour discovery, RFC 5780 §4, from the node's shared socket. */
@ProviderType
public interface NatDiscovery {
  /** The last result, if discovery has run. */
  Optional<NatInfo> current();

  /** Runs the tests now against the configured servers (the first that answers). */
  CompletableFuture<NatInfo> discover();

  /**
   * How long the NAT keeps an idle mapping, as last measured (after each discovery that found a
   * NAT, against its server), if it was.
   */
  Optional<BindingLifetime> bindingLifetime();
}
