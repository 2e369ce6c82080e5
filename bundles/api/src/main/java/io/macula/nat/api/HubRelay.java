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
}
