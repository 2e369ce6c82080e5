package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.transport.api.RelayHandler;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every relay handler the endpoint has (a hub's, a node's that relays for others), as one: a
 * sender belongs to the first that knows its key, and that one relays its packets.
 */
final class RelayHandlers implements RelayHandler {
  private final List<RelayHandler> handlers = new CopyOnWriteArrayList<>();

  void add(RelayHandler handler) {
    handlers.add(handler);
  }

  void remove(RelayHandler handler) {
    handlers.remove(handler);
  }

  /** This, or null while no handler is there: the endpoint drops relay frames then. */
  RelayHandler orNull() {
    return handlers.isEmpty() ? null : this;
  }

  @Override
  public byte[] relayKey(InetSocketAddress sender) {
    for (RelayHandler h : handlers) {
      byte[] key = h.relayKey(sender);
      if (key != null) {
        return key;
      }
    }
    return null;
  }

  @Override
  public void relay(InetSocketAddress sender, NodeId destination, ByteBuffer packet, Forwarder out) {
    for (RelayHandler h : handlers) {
      if (h.relayKey(sender) != null) {
        h.relay(sender, destination, packet, out);
        return;
      }
    }
  }
}
