package io.macula.nat.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Opaque messages to other nodes, carried by the hub: how ICE agents and strategies exchange
 * candidates and offers before a path exists. The node's hub session provides it.
 */
@ProviderType
public interface Signalling {
  /** The largest payload one signal carries, in bytes. */
  int MAX_PAYLOAD = 16 * 1024;

  /** Whether signals can be sent now (the session with the hub is up). */
  boolean isConnected();

  /**
   * Sends a message to another node; the hub attaches this node's id, which the receiver's
   * {@link SignalListener} gets as the sender.
   *
   * @throws IllegalStateException when no signal can be sent now
   * @throws IllegalArgumentException when the payload is over {@link #MAX_PAYLOAD}
   */
  void signal(NodeId to, byte[] payload);
}
