package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.hub.api.Hub;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-node limits on relayed packets and bytes (token buckets refilled every second's worth of
 * time), and per-flow counters that operators read.
 */
final class RelayAccounting {
  static final String UNREGISTERED_SENDER = "unregistered-sender";
  static final String UNKNOWN_DESTINATION = "unknown-destination";
  static final String OVER_PACKET_LIMIT = "over-packet-limit";
  static final String OVER_BYTE_LIMIT = "over-byte-limit";
  /** A packet for a node of another hub while this hub's link to it opens. */
  static final String HUB_LINK_OPENING = "hub-link-opening";
  /** A packet another hub passed on from a node the directory does not home there. */
  static final String NOT_THE_SOURCES_HUB = "not-the-sources-hub";

  private record Flow(NodeId from, NodeId to) {}

  private static final class Counters {
    final LongAdder packets = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder dropped = new LongAdder();
  }

  /**
   * A sender's token bucket, used on the endpoint's event loop only, and what the sender had sent
   * through the relay in all (read by any thread): one lookup per packet finds both.
   */
  private static final class Bucket {
    double packets;
    double bytes;
    long refilledAt;
    final Counters sent = new Counters();
  }

  private final long packetsPerSecond;
  private final long bytesPerSecond;
  private final Map<Flow, Counters> flows = new ConcurrentHashMap<>();
  private final Map<NodeId, Bucket> buckets = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> drops = new ConcurrentHashMap<>();
  /** What the nodes that left had sent (a node's own total is its bucket's, which a peer's leaving leaves). */
  private final Counters departed = new Counters();

  RelayAccounting(long packetsPerSecond, long bytesPerSecond) {
    this.packetsPerSecond = packetsPerSecond;
    this.bytesPerSecond = bytesPerSecond;
  }

  long packetLimit() {
    return packetsPerSecond;
  }

  long byteLimit() {
    return bytesPerSecond;
  }

  /**
   * Whether a packet may pass, counting it either way.
   *
   * @return null when it may pass, else why not
   */
  String admit(NodeId from, NodeId to, int length, long nowNanos) {
    Bucket b = buckets.computeIfAbsent(from, f -> {
      Bucket n = new Bucket();
      n.packets = packetsPerSecond;
      n.bytes = bytesPerSecond;
      n.refilledAt = nowNanos;
      return n;
    });
    double seconds = (nowNanos - b.refilledAt) / 1e9;
    b.refilledAt = nowNanos;
    b.packets = Math.min(packetsPerSecond, b.packets + seconds * packetsPerSecond);
    b.bytes = Math.min(bytesPerSecond, b.bytes + seconds * bytesPerSecond);
    Counters c = flows.computeIfAbsent(new Flow(from, to), f -> new Counters());
    String refusal = null;
    if (b.packets < 1) {
      refusal = OVER_PACKET_LIMIT;
    } else if (b.bytes < length) {
      refusal = OVER_BYTE_LIMIT;
    }
    if (refusal != null) {
      c.dropped.increment();
      drop(refusal);
      return refusal;
    }
    b.packets -= 1;
    b.bytes -= length;
    c.packets.increment();
    c.bytes.add(length);
    b.sent.packets.increment();
    b.sent.bytes.add(length);
    return null;
  }

  /**
   * A packet another hub passed on, from its node {@code from} to {@code to}, a node here: counted
   * in the flow. Its sender's hub holds it to its limits.
   */
  void passed(NodeId from, NodeId to, int length) {
    Counters c = flows.computeIfAbsent(new Flow(from, to), f -> new Counters());
    c.packets.increment();
    c.bytes.add(length);
  }

  /**
   * A node left the hub: its bucket and its flows, both ways, go with it, and what it sent goes
   * into the departed nodes' total.
   */
  void forget(NodeId node) {
    Bucket gone = buckets.remove(node);
    flows.keySet().removeIf(f -> f.from().equals(node) || f.to().equals(node));
    if (gone != null) {
      departed.packets.add(gone.sent.packets.sum());
      departed.bytes.add(gone.sent.bytes.sum());
    }
  }

  /**
   * What each registered node sent through the relay, and the nodes that left as one row: no
   * count goes down while the hub runs.
   */
  List<io.macula.nat.api.RelayTraffic.Carried> carried() {
    List<io.macula.nat.api.RelayTraffic.Carried> out = new java.util.ArrayList<>();
    buckets.forEach((node, b) -> out.add(new io.macula.nat.api.RelayTraffic.Carried(node.toString(),
        b.sent.packets.sum(), b.sent.bytes.sum())));
    out.add(new io.macula.nat.api.RelayTraffic.Carried(io.macula.nat.api.RelayTraffic.DEPARTED, departed.packets.sum(), departed.bytes.sum()));
    return out;
  }

  void drop(String reason) {
    drops.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  List<Hub.RelayFlow> flows() {
    return flows.entrySet().stream()
        .map(e -> new Hub.RelayFlow(e.getKey().from(), e.getKey().to(),
            e.getValue().packets.sum(), e.getValue().bytes.sum(), e.getValue().dropped.sum()))
        .sorted(Comparator.comparing(Hub.RelayFlow::from).thenComparing(Hub.RelayFlow::to))
        .toList();
  }

  Map<String, Long> drops() {
    Map<String, Long> out = new TreeMap<>();
    drops.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
