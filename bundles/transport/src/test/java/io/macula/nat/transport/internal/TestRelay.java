package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.transport.api.RelayHandler;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A relay for tests and benchmarks: a directory of the nodes' addresses, and a relay key of each
 * node's own, as the hub gives each node its own.
 */
final class TestRelay implements RelayHandler {
  private static final Map<NodeId, byte[]> KEYS = new ConcurrentHashMap<>();

  final Map<NodeId, InetSocketAddress> directory = new ConcurrentHashMap<>();

  /** The relay key of a node: one array per node, as the hub's registration holds one. */
  static byte[] keyOf(NodeId node) {
    return KEYS.computeIfAbsent(node, n -> {
      byte[] key = Arrays.copyOf(n.toBytes(), RelayMac.KEY_LENGTH);
      key[0] ^= 0x5a;
      return key;
    });
  }

  @Override
  public byte[] relayKey(InetSocketAddress sender) {
    return directory.entrySet().stream().filter(e -> e.getValue().equals(sender))
        .map(e -> keyOf(e.getKey())).findFirst().orElse(null);
  }

  @Override
  public void relay(InetSocketAddress sender, NodeId destination, ByteBuffer packet, Forwarder out) {
    NodeId source = directory.entrySet().stream().filter(e -> e.getValue().equals(sender))
        .map(Map.Entry::getKey).findFirst().orElse(null);
    InetSocketAddress to = directory.get(destination);
    if (source != null && to != null) {
      out.forward(to, keyOf(destination), source, packet);
    }
  }
}
