package io.macula.nat.itest;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A hub and nodes on loopback, each a node process in a home of its own. */
final class Mesh implements AutoCloseable {
  final NodeProcess hub;
  final String hubId;
  final int hubPort;
  private final List<NodeProcess> nodes = new ArrayList<>();

  /** More of the hub's configuration, kept when the allowlist changes. */
  private final String hubSettings;

  private Mesh(NodeProcess hub, String hubId, int hubPort, String hubSettings) {
    this.hubSettings = hubSettings;
    this.hub = hub;
    this.hubId = hubId;
    this.hubPort = hubPort;
  }

  /** Starts a hub that admits nobody yet. */
  static Mesh start(String name) throws IOException {
    return start(name, "");
  }

  /** The same, the hub configured with {@code hubSettings} (lines of its configuration) too. */
  static Mesh start(String name, String hubSettings) throws IOException {
    int port = freeUdpPort();
    NodeProcess hub = NodeProcess.freshHome(name + "-hub")
        .config("io.macula.nat.endpoint", "bind = 127.0.0.1:" + port + "\n")
        .config("io.macula.nat.hub", "admission = allowlist\n" + hubSettings)
        .start();
    return new Mesh(hub, hub.id(), port, hubSettings);
  }

  /**
   * Runs a TURN server in the hub, on a free loopback port, relaying to loopback peers (the hub
   * then hands its nodes credentials for it); returns the port once it serves.
   */
  int hubTurnServer() throws IOException {
    int port = freeUdpPort();
    hub.config("io.macula.nat.turn.server", "listen = 127.0.0.1:" + port + "\nallow_peers = 127.0.0.0/8\n");
    Await.until("the hub's TURN server runs", () -> hub.nat("hub:turn").out().contains("turn:127.0.0.1:" + port),
        Duration.ofSeconds(30));
    return port;
  }

  /** Starts a node, admits it (or not) and gives it the hub; waits until it registered. */
  NodeProcess node(String name, boolean admitted, String... jvmOptions) throws IOException {
    return node(NodeProcess.freshHome(name).jvmOptions(jvmOptions), name, admitted);
  }

  /** The same, with one more configuration in place from the start. */
  NodeProcess node(String name, String pid, String config) throws IOException {
    return node(NodeProcess.freshHome(name).config(pid, config), name, true);
  }

  private NodeProcess node(NodeProcess fresh, String name, boolean admitted) throws IOException {
    NodeProcess n = fresh
        .config("io.macula.nat.endpoint", "bind = 127.0.0.1:0\n")
        .start();
    nodes.add(n);
    String id = n.id();
    if (admitted) {
      admitted(id);
    }
    n.config("io.macula.nat.peer", "hub = " + hubId + "@127.0.0.1:" + hubPort + "\n");
    if (admitted) {
      Await.until(name + " registered with the hub", () -> hub.nat("hub:nodes").out().contains(id),
          Duration.ofSeconds(30));
    }
    return n;
  }

  private final List<String> allowed = new ArrayList<>();

  /** Adds a node id to the hub's allowlist. */
  void admitted(String id) throws IOException {
    allowed.add(id);
    hub.config("io.macula.nat.hub", "admission = allowlist\nallow = " + String.join(",", allowed) + "\n" + hubSettings);
  }

  static int freeUdpPort() throws IOException {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    nodes.forEach(NodeProcess::close);
    hub.close();
  }
}
