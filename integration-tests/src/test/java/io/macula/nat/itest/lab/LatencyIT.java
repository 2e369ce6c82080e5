package io.macula.nat.itest.lab;

import static org.junit.Assert.assertTrue;

import io.macula.nat.api.PathKind;
import io.macula.nat.itest.Await;
import io.macula.nat.itest.NodeProcess;
import io.macula.nat.itest.Scrape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Assume;
import org.junit.Test;

/**
 * The roadmap's latency targets where they mean something: two nodes behind NATs whose access
 * links each add {@value #ACCESS_MS} ms each way, a public node, and a hub that is {@value #HUB_MS}
 * ms further off.
 * The round trip of each kind of path is read from the connecting node's /metrics (the histogram
 * its round trips are sampled into), and must be at least what the delays add and within the
 * roadmap's target for the kind. The table is kept in target/natlab/latency.md.
 */
public class LatencyIT {
  /** What each NAT router adds to every packet it forwards, each way. */
  private static final int ACCESS_MS = 10;
  /** What the hub's host adds to every packet it sends. */
  private static final int HUB_MS = 20;
  /** Samples (one a second) a row's round trip is the mean of, once the path's estimate settled. */
  private static final int SAMPLES = 4;

  private record Row(PathKind kind, int injectedMs, double metricsMs, double pingMs) {
    boolean passes() {
      return metricsMs >= injectedMs * 0.9 && metricsMs < kind.latencyTarget().toMillis();
    }
  }

  @Test
  public void eachKindOfPathStaysWithinItsTargetOverDelayedLinks() throws Exception {
    NatBehaviourIT.requireLab();
    String why = Lab.noDelay();
    if (why != null && "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("CI must run the lab's latency rows, but: " + why);
    }
    Assume.assumeTrue(why, why == null);
    List<NodeProcess> processes = new ArrayList<>();
    List<Row> rows = new ArrayList<>();
    try (Lab lab = new Lab()) {
      Lab.Host hubHost = lab.publicHost("hub", Lab.HUB_IP, Lab.HUB_ALTERNATE_IP);
      Lab.Host aHost = lab.router("lat1", NatType.PORT_RESTRICTED_CONE, 1, false).lan().get(0);
      Lab.Host bHost = lab.router("lat2", NatType.PORT_RESTRICTED_CONE, 1, false).lan().get(0);
      lab.delayRouter("lat1", ACCESS_MS);
      lab.delayRouter("lat2", ACCESS_MS);
      lab.delayHost(hubHost, HUB_MS);

      NodeProcess hub = Lab.hub("lat-hub", hubHost, "")
          // Its TURN server, whose credentials it hands the nodes.
          .config("io.macula.nat.turn.server", "listen = " + Lab.HUB_IP + ":3478\n");
      processes.add(hub);
      hub.start();
      NodeProcess a = node("lat-a", aHost, hub, processes);
      NodeProcess b = node("lat-b", bHost, hub, processes);
      NodeProcess open = node("lat-open", lab.publicHost("open", "198.51.100.200"), hub, processes);
      String bId = b.id();

      // To a public node the direct strategy wins: each way through a's router only.
      String direct = a.ok("nat:connect", open.id());
      assertTrue(direct, direct.contains("by direct (direct path)"));
      rows.add(measure(a, aHost, open.id(), PathKind.DIRECT, 2 * ACCESS_MS));

      // Hole punching disabled, TURN wins: each way through the sender's router, the hub's host
      // (its TURN server relays) and the receiver's router.
      a.ok("nat:disable", "holepunch");
      String viaTurn = a.ok("nat:connect", bId);
      assertTrue(viaTurn, viaTurn.contains("by turn (turn path)"));
      rows.add(measure(a, aHost, bId, PathKind.TURN, 2 * (ACCESS_MS + HUB_MS + ACCESS_MS)));

      // Enabled again, hole punching upgrades the connection by itself: each way through both routers.
      a.ok("nat:enable", "holepunch");
      rows.add(measure(a, aHost, bId, PathKind.HOLE_PUNCHED, 2 * (2 * ACCESS_MS)));

      a.ok("nat:path", bId, "relay");
      b.ok("nat:path", a.id(), "relay");
      // Each way through the sender's router, the hub's host and the receiver's router.
      rows.add(measure(a, aHost, bId, PathKind.HUB_RELAY, 2 * (ACCESS_MS + HUB_MS + ACCESS_MS)));
    } finally {
      processes.forEach(NodeProcess::close);
      report(rows);
    }
    for (Row r : rows) {
      assertTrue(r + ": at least the " + r.injectedMs() + " ms the delays add, under the "
          + r.kind().latencyTarget().toMillis() + " ms target", r.passes());
    }
    assertTrue("every row measured: " + rows, rows.size() == 4);
  }

  private static NodeProcess node(String name, Lab.Host host, NodeProcess hub, List<NodeProcess> processes)
      throws Exception {
    NodeProcess n = Lab.node(name, host)
        .config("io.macula.nat.endpoint", "bind = 0.0.0.0:0\n")
        .config("io.macula.nat.peer", "hub = " + hub.id() + "@" + Lab.HUB + "\n")
        // /metrics on the loopback of the node's own namespace, and a round trip sampled each second.
        .config("org.apache.felix.http", "org.apache.felix.http.enable = true\norg.osgi.service.http.port = 9464\n")
        .config("io.macula.nat.metrics", "rtt_sample_seconds = 1\n");
    processes.add(n);
    n.start();
    String id = n.id();
    Await.until(name + " registered", () -> hub.ok("hub:nodes").contains(id), Duration.ofSeconds(60));
    return n;
  }

  /**
   * The mean of {@value #SAMPLES} round-trip samples of the kind from the node's /metrics, taken
   * while pings keep the path busy, after the path's estimate has had time to settle.
   */
  private static Row measure(NodeProcess a, Lab.Host host, String peer, PathKind kind, int injectedMs) {
    String label = kind.label();
    Await.until("a's connection to the peer is on the " + label + " path",
        () -> label.equals(NatMatrixIT.pathOf(a, peer)), Duration.ofSeconds(60));
    a.ok("nat:ping", peer, "30"); // QUIC's smoothed round trip (an average of 1/8 steps) follows the new path
    double[] before = histogram(host, label);
    String ping = a.ok("nat:ping", peer, "10");
    Await.until(SAMPLES + " more samples of the " + label + " round trip",
        () -> histogram(host, label)[1] - before[1] >= SAMPLES, Duration.ofSeconds(30));
    double[] after = histogram(host, label);
    double meanMs = (after[0] - before[0]) / (after[1] - before[1]) * 1000;
    Matcher median = Pattern.compile("median ([0-9.]+) ms").matcher(ping);
    return new Row(kind, injectedMs, meanMs, median.find() ? Double.parseDouble(median.group(1)) : -1);
  }

  /** The sum (s) and count of the node's round-trip samples of one kind, read from its /metrics. */
  private static double[] histogram(Lab.Host host, String kind) {
    Scrape s = Scrape.parse(Sh.in(host.ns(), "python3", "-c",
        "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen("
            + "'http://127.0.0.1:9464/metrics', timeout=10).read().decode())"));
    return new double[] {s.sum("macula_path_rtt_seconds_sum", "path_kind", kind),
        s.sum("macula_path_rtt_seconds_count", "path_kind", kind)};
  }

  private static void report(List<Row> rows) throws Exception {
    StringBuilder out = new StringBuilder("# Latency over delayed links\n\n")
        .append("Each NAT router adds ").append(ACCESS_MS).append(" ms each way, the hub's host ").append(HUB_MS)
        .append(" ms to what it sends. RTT from the connecting node's /metrics (the mean of ").append(SAMPLES)
        .append(" samples of `macula_path_rtt_seconds`), nat:ping's median beside it.\n\n")
        .append("| path | delays add | RTT (metrics) | nat:ping median | target | verdict |\n")
        .append("|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      out.append(String.format(Locale.ROOT, "| %s | %d ms | %.1f ms | %.1f ms | < %d ms | %s |%n", r.kind().label(),
          r.injectedMs(), r.metricsMs(), r.pingMs(), r.kind().latencyTarget().toMillis(),
          r.passes() ? "pass" : "FAIL"));
    }
    Path dir = Files.createDirectories(Path.of("target", "natlab"));
    Files.writeString(dir.resolve("latency.md"), out);
    System.out.print(out);
  }
}
