package io.macula.nat.api;

import java.net.InetSocketAddress;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The relay of this node's hub: where QUIC packets to another registered node go when no direct
 * path exists. The hub forwards them, and cannot read them.
 */
@ProviderType
public interface HubRelay {
  /** The hub's address while this node is registered with it; empty while it is not. */
  Optional<InetSocketAddress> relayAddress();

  /**
   * Why {@link #relayAddress} is empty, naming the real cause ("no session with the hub: UDP and
   * TCP to 203.0.113.10:7400 failed"); empty while the relay is there.
   */
  Optional<String> whyNoRelay();
}
