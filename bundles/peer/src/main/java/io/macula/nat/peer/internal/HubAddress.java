package io.macula.nat.peer.internal;

import io.macula.nat.api.NodeId;
import java.net.InetSocketAddress;

/** Where a node's hub is: its node id and address, written {@code NODEID@host:port}. */
record HubAddress(NodeId id, InetSocketAddress address) {
  static HubAddress parse(String key, String text) {
    int at = text.indexOf('@');
    int colon = text.lastIndexOf(':');
    if (at < 0 || colon < at) {
      throw new IllegalArgumentException(key + " must be NODEID@host:port, not '" + text + "'");
    }
    NodeId id;
    try {
      id = NodeId.parse(text.substring(0, at));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage());
    }
    String host = text.substring(at + 1, colon).replace("[", "").replace("]", "");
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": bad port in '" + text + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(key + ": port " + port + " outside 1-65535");
    }
    return new HubAddress(id, new InetSocketAddress(host, port));
  }
}
