package io.macula.nat.api;

import org.osgi.annotation.versioning.ConsumerType;

/** Whiteboard: receives the signals other nodes send this node through the hub. */
@ConsumerType
public interface SignalListener {
  /** {@code from} is set by the hub: it is the node that sent the signal. */
  void signal(NodeId from, byte[] payload);
}
