package io.macula.nat.api;

import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where the negotiator learns what is known of this node and of others (the hub session provides
 * one). Without a directory, a connect knows node ids alone.
 */
@ConsumerType
public interface NodeDirectory {
  NodeDescriptor self();

  Optional<NodeDescriptor> find(NodeId node);
}
