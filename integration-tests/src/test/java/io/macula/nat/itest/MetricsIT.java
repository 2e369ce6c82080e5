package io.macula.nat.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * A hub (with its TURN server), two nodes and a node that relays for others, each serving
 * /metrics: a connects to b over each strategy in turn and sends over it, and the metrics of all
 * four say what happened.
 */
public class MetricsIT {
  private static final String[] STRATEGIES = {"direct", "holepunch", "turn", "peerrelay", "hubrelay"};
  private static final double PRICE_PER_GB = 2.5;

  private static Mesh mesh;
  private static NodeProcess a;
  private static NodeProcess b;
  private static NodeProcess relay;
  private static String aId;
  private static String bId;
  private static int hubHttp;
  private static int aHttp;
  private static int bHttp;
  private static int relayHttp;

  @BeforeClass
  public static void connectOverEachStrategy() throws Exception {
    mesh = Mesh.start("metrics");
    mesh.hubTurnServer();
    a = mesh.node("metrics-a", true);
    b = mesh.node("metrics-b", true);
    relay = mesh.node("metrics-relay", "io.macula.nat.relay", "offers_relay = true\n");
    aId = a.id();
    bId = b.id();
    String relayId = relay.id();
    Await.until("the relay is listed, reachable", () -> mesh.hub.ok("hub:relays").lines()
        .anyMatch(l -> l.startsWith(relayId) && l.strip().endsWith("yes")), Duration.ofSeconds(30));
    hubHttp = serveMetrics(mesh.hub);
    aHttp = serveMetrics(a);
    bHttp = serveMetrics(b);
    relayHttp = serveMetrics(relay);
    mesh.hub.config("io.macula.nat.metrics", "relay_cost_per_gb = " + PRICE_PER_GB + "\n");
    a.config("io.macula.nat.metrics", "rtt_sample_seconds = 1\n");

    // Each strategy in turn wins once the ones ranked above it are disabled.
    for (int i = 0; i < STRATEGIES.length; i++) {
      String connect = a.ok("nat:connect", bId);
      assertTrue(connect, connect.contains("connected to " + bId + " by " + STRATEGIES[i] + " "));
      assertTrue(a.ok("nat:send", bId, "2").contains("matches"));
      a.ok("nat:disable", STRATEGIES[i]);
    }
    for (String s : STRATEGIES) {
      a.ok("nat:enable", s);
    }
  }

  /** Keeps what the hub and a served last, in target/metrics-samples, for a reader to see. */
  @AfterClass
  public static void stop() throws IOException {
    try {
      if (hubHttp != 0 && aHttp != 0) {
        java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "metrics-samples"));
        java.nio.file.Files.writeString(dir.resolve("hub.prom"), Scrape.of(hubHttp).text);
        java.nio.file.Files.writeString(dir.resolve("node-a.prom"), Scrape.of(aHttp).text);
      }
    } finally {
      if (mesh != null) {
        mesh.close();
      }
    }
  }

  @Test
  public void everyStrategyCountsItsSuccessfulAttemptAndItsConnectTime() throws IOException {
    Scrape s = Scrape.of(aHttp);
    for (String strategy : STRATEGIES) {
      assertEquals(strategy, 1.0,
          s.sum("macula_connect_attempts_total", "strategy", strategy, "outcome", "succeeded"), 0);
      assertEquals(strategy, 1.0, s.sum("macula_connect_time_seconds_count", "strategy", strategy), 0);
      assertEquals(strategy + " p99 is a histogram bucket count, 1 at +Inf", 1.0,
          s.sum("macula_connect_time_seconds_bucket", "strategy", strategy, "le", "+Inf"), 0);
    }
    assertEquals(STRATEGIES.length, s.sum("macula_connect_attempts_total", "outcome", "succeeded"), 0);
  }

  @Test
  public void theNatShellShowsTheSameFigures() throws IOException {
    String stats = a.ok("nat:stats");
    assertTrue(stats, stats.matches("(?s).*macula\\.connect\\.attempts\n(  .*\n)*  outcome=succeeded strategy=turn +1\n.*"));
    assertTrue(stats, stats.matches("(?s).*macula\\.connect\\.time\n(  .*\n)*  strategy=direct +count 1  p50 .*"));
    String hub = mesh.hub.ok("hub:stats");
    assertTrue(hub, hub.contains("macula.hub.nodes") && hub.contains("macula.relayed.bytes"));
    assertFalse("a node runs no hub", a.nat("hub:stats").exit() == 0);
  }

  /**
   * The last connect moved a's route to b onto the hub relay; with the strategies enabled again the
   * path policy upgrades it to the direct path, every connection with b with it (they share it).
   */
  @Test
  public void movesConnectionsAndRoundTripsAreCountedByPathKind() throws IOException {
    Await.until("a's connections with b are upgraded to the direct path", () -> {
      try {
        Scrape s = Scrape.of(aHttp);
        return s.sum("macula_path_moves_total", "from", "hub-relay", "to", "direct", "cause", "upgrade") == 1
            && s.sum("macula_connections", "path_kind", "direct") == s.sum("macula_connections");
      } catch (IOException e) {
        return false;
      }
    });
    Scrape s = Scrape.of(aHttp);
    assertTrue(s.text, s.sum("macula_connections") >= 1);
    // On the way, each connect moved the route to its strategy's path, unless the path policy had
    // moved it there first (with a strategy disabled, the next relay down is an upgrade from its path).
    for (String kind : List.of("turn", "peer-relay", "hub-relay")) {
      assertTrue(kind + "\n" + s.text, s.sum("macula_path_moves_total", "to", kind) >= 1);
    }
    for (Scrape.Sample m : s.samples("macula_path_moves_total")) {
      assertTrue(m.toString(), List.of("connect", "upgrade").contains(m.labels().get("cause")));
    }
    Await.until("a sampled the round trip over the direct path", () -> {
      try {
        return Scrape.of(aHttp).sum("macula_path_rtt_seconds_count", "path_kind", "direct") > 0;
      } catch (IOException e) {
        return false;
      }
    });
  }

  @Test
  public void theHubCountsItsNodesByNatTypeAndWhatItsRelaysCarriedAndWhatThatCost() throws IOException {
    Scrape s = Scrape.of(hubHttp);
    String nodes = mesh.hub.ok("hub:nodes");
    assertTrue(nodes, nodes.contains(aId) && nodes.contains(bId) && nodes.contains(relay.id()));
    assertEquals(s.text, 3.0, s.sum("macula_hub_nodes"), 0);

    double hubRelayed = s.sum("macula_relayed_bytes_total", "relay", "hub-relay", "node", aId);
    assertTrue(s.text, hubRelayed >= 2_000_000);
    assertTrue(s.text, s.sum("macula_relayed_packets_total", "relay", "hub-relay", "node", aId) >= 2_000_000 / 1500);
    double turnRelayed = s.sum("macula_relayed_bytes_total", "relay", "turn");
    assertTrue(s.text, turnRelayed >= 2_000_000);
    // 2 MB went from a to b over the hub relay, with QUIC's overhead and b's acknowledgements: the
    // price applies to between 2 and 4 MB.
    double cost = s.sum("macula_relay_cost", "relay", "hub-relay", "currency", "USD");
    assertTrue(s.text, cost >= 2_000_000 / 1e9 * PRICE_PER_GB && cost <= 4_000_000 / 1e9 * PRICE_PER_GB);
    assertEquals(s.text, s.sum("macula_relayed_bytes_total", "relay", "hub-relay") / 1e9 * PRICE_PER_GB, cost, 1e-9);
    assertTrue(s.text, s.sum("macula_turn_server_events_total", "event", "allocations-made") >= 2);
  }

  @Test
  public void theRelayNodeCountsWhatItCarriedForA() throws IOException {
    Scrape s = Scrape.of(relayHttp);
    assertTrue(s.text, s.sum("macula_relayed_bytes_total", "relay", "peer-relay", "node", aId) >= 2_000_000);
    assertEquals(s.text, 0.0, s.sum("macula_relayed_bytes_total", "relay", "hub-relay"), 0);
  }

  @Test
  public void garbageAtTheHubsSocketIsCountedAsDropsByReason() throws Exception {
    // A first byte of 0xff is no version of the endpoint's framing.
    double before = Scrape.of(hubHttp).sum("macula_drops_total", "source", "endpoint", "reason", "bad-version");
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      for (int i = 0; i < 20; i++) {
        byte[] garbage = {(byte) 0xff, 1, 2, 3};
        s.send(new DatagramPacket(garbage, garbage.length, InetAddress.getLoopbackAddress(), mesh.hubPort));
      }
    }
    Await.until("the hub counted most of its garbage", () -> {
      try {
        return Scrape.of(hubHttp).sum("macula_drops_total", "source", "endpoint", "reason", "bad-version") - before >= 15;
      } catch (IOException e) {
        return false;
      }
    });
  }

  @Test
  public void openMetricsIsServedToAScraperThatAsksForIt() throws IOException {
    java.net.HttpURLConnection c = (java.net.HttpURLConnection)
        new java.net.URL("http://127.0.0.1:" + bHttp + "/metrics").openConnection();
    c.setRequestProperty("Accept", "application/openmetrics-text; version=1.0.0");
    assertEquals(200, c.getResponseCode());
    assertTrue(c.getContentType(), c.getContentType().startsWith("application/openmetrics-text"));
    String body = new String(c.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(body, body.strip().endsWith("# EOF"));
    List<Scrape.Sample> nat = Scrape.of(bHttp).samples("macula_nat_type");
    assertEquals(nat.toString(), 1.0, nat.stream().mapToDouble(Scrape.Sample::value).sum(), 0);
  }

  /**
   * The hub's status page, in a real browser: it loads, lists both nodes with their NAT and what
   * the hub relayed for a, and logs nothing to the console; a's shows its connection to b and its
   * connects. Screenshots of both are kept in target/screenshots.
   */
  @Test
  public void theStatusPagesShowTheMeshInAHeadlessBrowser() throws Exception {
    HeadlessBrowser.required();
    String hubPage = "http://127.0.0.1:" + hubHttp + "/status";
    HeadlessBrowser.Page hub = HeadlessBrowser.load(hubPage);
    assertTrue(hub.console().toString(), hub.console().isEmpty());
    String nodes = table(hub.dom(), "nodes");
    assertTrue(hub.dom(), nodes.contains("<td>" + aId + "</td>") && nodes.contains("<td>" + bId + "</td>"));
    assertTrue(nodes, nodes.matches("(?s).*<td>" + aId + "</td><td>[a-z-]+</td>.*"));
    assertTrue(table(hub.dom(), "relayed"), table(hub.dom(), "relayed").contains("<td>hub-relay</td><td>" + aId + "</td>"));

    String aPage = "http://127.0.0.1:" + aHttp + "/status";
    HeadlessBrowser.Page node = HeadlessBrowser.load(aPage);
    assertTrue(node.console().toString(), node.console().isEmpty());
    assertTrue(node.dom(), table(node.dom(), "connections").contains("<td>" + bId.substring(0, 10) + "</td>"));
    assertTrue(node.dom(), table(node.dom(), "connects").contains("<td>turn</td><td>1</td><td>0</td><td>100%</td>"));
    assertTrue(node.dom(), node.dom().contains("connect time by direct (1)"));

    java.nio.file.Path shots = java.nio.file.Path.of("target", "screenshots");
    HeadlessBrowser.screenshot(hubPage, shots.resolve("hub-status.png"));
    HeadlessBrowser.screenshot(aPage, shots.resolve("node-status.png"));
  }

  /** The HTML of the table with this id. */
  private static String table(String dom, String id) {
    int start = dom.indexOf("<table id=\"" + id + "\">");
    assertTrue("no table " + id + " in " + dom, start >= 0);
    return dom.substring(start, dom.indexOf("</table>", start));
  }

  /** Turns the node's HTTP service on, on a free loopback port, and waits until /metrics answers. */
  private static int serveMetrics(NodeProcess node) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    node.config("org.apache.felix.http", "org.apache.felix.http.enable = true\norg.osgi.service.http.port = " + port + "\n");
    int p = port;
    Await.until("/metrics answers on port " + port, () -> Scrape.serves(p), Duration.ofSeconds(30));
    return port;
  }
}
