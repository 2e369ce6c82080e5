package io.macula.nat.peer.internal;

import io.macula.nat.api.HostPort;
import io.macula.nat.api.NodeId;
import java.net.InetSocketAddress;

/** Where a node's hub is: its node id and address, written {@code NODEID@host:port}. */
record HubAddress(NodeId id, InetSocketAddress address) {
  /** Hubs written {@code NODEID@host:port}, separated by commas or spaces: the first is the one to try first. */
  static java.util.List<HubAddress> parseList(String key, String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(key + " is required: the hub, NODEID@host:port");
    }
    java.util.List<HubAddress> out = new java.util.ArrayList<>();
    for (String one : text.strip().split("[,\\s]+")) {
      HubAddress h = parse(key, one);
      if (out.stream().anyMatch(a -> a.id().equals(h.id()))) {
        throw new IllegalArgumentException(key + " names hub " + h.id() + " twice");
      }
      out.add(h);
    }
    return out;
  }

  static HubAddress parse(String key, String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(key + " is required: the hub, NODEID@host:port");
    }
    int at = text.indexOf('@');
    if (at < 0) {
      throw new IllegalArgumentException(key + " must be NODEID@host:port, not '" + text + "'");
    }
    try {
      return new HubAddress(NodeId.parse(text.substring(0, at)), HostPort.parseRemote(text.substring(at + 1)).resolved());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
    }
  }
}
