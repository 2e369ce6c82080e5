package io.macula.nat.api;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The nodes that offer to relay packets between other nodes, as this node's hub lists them: where
 * the peer relay strategy looks for a relay. The node's hub session provides it.
 */
@ProviderType
public interface RelayDirectory {
  /**
   * The nodes that offer to relay now, asked of the hub (a network round trip: never call it on an
   * I/O thread); empty when there is no session with the hub.
   */
  List<NodeDescriptor> relays();
}
