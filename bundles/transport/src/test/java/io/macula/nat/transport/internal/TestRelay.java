package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.transport.api.RelayHandler;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A relay for tests and benchmarks: a directory of the nodes' addresses, one relay key for all. */
final class TestRelay implements RelayHandler {
  static final byte[] KEY = new byte[RelayMac.KEY_LENGTH];

  static {
    Arrays.fill(KEY, (byte) 7);
  }

  final Map<NodeId, InetSocketAddress> directory = new ConcurrentHashMap<>();

  @Override
  public byte[] relayKey(InetSocketAddress sender) {
    return directory.containsValue(sender) ? KEY : null;
  }

  @Override
  public void relay(InetSocketAddress sender, NodeId destination, ByteBuffer packet, Forwarder out) {
    NodeId source = directory.entrySet().stream().filter(e -> e.getValue().equals(sender))
        .map(Map.Entry::getKey).findFirst().orElse(null);
    InetSocketAddress to = directory.get(destination);
    if (source != null && to != null) {
      out.forward(to, KEY, source, packet);
    }
  }
}
