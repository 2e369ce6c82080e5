package io.macula.nat.hub.internal;

import io.macula.nat.api.HostPort;
import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.hub.api.Hub;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The records hubs keep in the directory, as {@code key=value} lines: what an operator reads with
 * ZooKeeper's own tools. A record that does not parse is refused with the key at fault.
 */
final class DirectoryRecords {
  /** A record's most bytes: a node has a few addresses, a hub one. */
  static final int MAX_RECORD = 4096;

  private DirectoryRecords() {}

  static byte[] node(Hub.HomedNode n) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("home", n.home().toString());
    m.put("epoch", Long.toString(n.epoch()));
    m.put("observed", n.node().observedAddress().map(DirectoryRecords::address).orElse(""));
    m.put("reported", String.join(",", n.node().reportedAddresses().stream().map(DirectoryRecords::address).toList()));
    m.put("nat", n.node().nat().name());
    m.put("relay", Boolean.toString(n.node().offersRelay()));
    return lines(m);
  }

  static Hub.HomedNode node(NodeId id, byte[] data) {
    Map<String, String> m = parse(data);
    List<InetSocketAddress> reported = new ArrayList<>();
    for (String a : get(m, "reported").split(",")) {
      if (!a.isBlank()) {
        reported.add(address("reported", a));
      }
    }
    String observed = get(m, "observed");
    NatBehavior nat;
    try {
      nat = NatBehavior.valueOf(get(m, "nat"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("key 'nat': no NAT behaviour is called '" + m.get("nat") + "'");
    }
    NodeDescriptor d = new NodeDescriptor(id, reported,
        observed.isEmpty() ? Optional.empty() : Optional.of(address("observed", observed)), nat,
        Boolean.parseBoolean(get(m, "relay")));
    return new Hub.HomedNode(d, nodeId(m, "home"), number(m, "epoch"));
  }

  /** What a hub says of itself: where it is reached, how many nodes it holds, since when it serves. */
  record HubRecord(String address, int nodes, Instant since) {}

  static byte[] hub(HubRecord h) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("address", h.address());
    m.put("nodes", Integer.toString(h.nodes()));
    m.put("since", Long.toString(h.since().toEpochMilli()));
    return lines(m);
  }

  static HubRecord hub(byte[] data) {
    Map<String, String> m = parse(data);
    return new HubRecord(get(m, "address"), (int) number(m, "nodes"), Instant.ofEpochMilli(number(m, "since")));
  }

  static NodeId nodeId(Map<String, String> m, String key) {
    try {
      return NodeId.parse(get(m, key));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("key '" + key + "': " + e.getMessage());
    }
  }

  /** An address as text, its host a literal: nothing is resolved when it is read back. */
  static String address(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    String host = ip == null ? a.getHostString() : ip.getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  private static InetSocketAddress address(String key, String text) {
    try {
      HostPort h = HostPort.parse(text);
      // A literal only: reading a record never waits on a name lookup.
      if (!h.host().contains(":") && !h.host().matches("[0-9.]+")) {
        throw new IllegalArgumentException("'" + h.host() + "' is not an IP address");
      }
      return new InetSocketAddress(InetAddress.getByName(h.host()), h.port());
    } catch (IllegalArgumentException | java.net.UnknownHostException e) {
      throw new IllegalArgumentException("key '" + key + "': " + e.getMessage());
    }
  }

  private static byte[] lines(Map<String, String> m) {
    StringBuilder b = new StringBuilder();
    m.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  static Map<String, String> parse(byte[] data) {
    if (data == null || data.length == 0) {
      throw new IllegalArgumentException("the record is empty");
    }
    if (data.length > MAX_RECORD) {
      throw new IllegalArgumentException("the record has " + data.length + " bytes, more than " + MAX_RECORD);
    }
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return m;
  }

  private static String get(Map<String, String> m, String key) {
    String v = m.get(key);
    if (v == null) {
      throw new IllegalArgumentException("key '" + key + "' is missing");
    }
    return v;
  }

  private static long number(Map<String, String> m, String key) {
    try {
      return Long.parseLong(get(m, key));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("key '" + key + "' is not a number: '" + m.get(key) + "'");
    }
  }
}
