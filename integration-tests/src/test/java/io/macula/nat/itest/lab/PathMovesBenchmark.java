package io.macula.nat.itest.lab;

import io.macula.nat.itest.Await;
import io.macula.nat.itest.NodeProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How fast a live connection moves between paths, on real NATs: a hub, a public node and a node
 * behind a restricted cone. Each trial connects anew (direct), starts a 40 MB transfer, drops all
 * UDP between the two nodes once 4 MB crossed (an nftables rule in the NAT'd node's namespace) and
 * times the connecting node's move to the hub relay (the fallback); keeps the path dark for {@value
 * #DARK_MS} ms more, removes the rule, and times the move back to a direct path (the upgrade); the
 * transfer must end intact. Prints p50, p95, min and max of each over {@code -Dtrials=N} trials (20), and how
 * often the paths were sampled. As root, with the NAT lab's tools.
 *
 * <pre>mvn -q -DskipTests install && mvn -q -pl integration-tests exec:java@pathmoves</pre>
 */
public final class PathMovesBenchmark {
  private static final String PUBLIC_IP = "198.51.100.220";
  static final long DARK_MS = 2000;

  private PathMovesBenchmark() {}

  public static void main(String[] args) throws Exception {
    Lab.exitUnlessAvailable();
    int trials = Integer.getInteger("trials", 20);
    List<NodeProcess> processes = new ArrayList<>();
    try (Lab lab = new Lab()) {
      NodeProcess hub = Lab.hub("moves-hub", lab.publicHost("hub", Lab.HUB_IP, Lab.HUB_ALTERNATE_IP), "");
      processes.add(hub);
      hub.start();
      String peerConfig = "hub = " + hub.id() + "@" + Lab.HUB + "\n";
      Lab.Host natHost = lab.router("cone", NatType.RESTRICTED_CONE, 1, false).lan().get(0);
      NodeProcess a = node("moves-a", natHost, peerConfig, processes);
      NodeProcess b = node("moves-b", lab.publicHost("public", PUBLIC_IP), peerConfig, processes);
      for (NodeProcess n : List.of(a, b)) {
        Await.until("registered", () -> hub.ok("hub:nodes").contains(n.id()), Duration.ofSeconds(90));
      }
      List<Double> fallbacks = new ArrayList<>();
      List<Double> upgrades = new ArrayList<>();
      List<Double> samples = new ArrayList<>();
      int broken = 0;
      for (int i = 0; i < trials; i++) {
        // Each trial on a connection of its own, under a transfer of its own: one outage each.
        String connect = a.ok("nat:connect", b.id());
        if (!connect.contains("by direct")) {
          throw new IllegalStateException("expected a direct connect: " + connect);
        }
        Process transfer = a.natAsync("nat:send", b.id(), "40");
        try {
          long before = bytesSent(a, b.id());
          Await.until("4 MB crossed", () -> bytesSent(a, b.id()) - before > (4L << 20), Duration.ofSeconds(30));
          long dark = System.nanoTime();
          lab.blackHole(natHost, PUBLIC_IP);
          Await.until("the fallback", () -> "hub-relay".equals(path(a, b.id(), samples)), Duration.ofSeconds(30));
          fallbacks.add((System.nanoTime() - dark) / 1e6);
          Thread.sleep(DARK_MS); // the outage lasts this long: the trial's setting, not a wait for a condition
          long open = System.nanoTime();
          lab.reopen(natHost);
          Await.until("the upgrade", () -> "direct".equals(path(a, b.id(), samples)), Duration.ofSeconds(120));
          upgrades.add((System.nanoTime() - open) / 1e6);
          boolean ended = transfer.waitFor(120, java.util.concurrent.TimeUnit.SECONDS);
          String out = ended ? new String(transfer.getInputStream().readAllBytes()) : "(still running after 120 s)";
          if (!out.contains("matches")) {
            broken++;
          }
          System.out.printf(Locale.ROOT, "trial %2d: fallback %6.0f ms, upgrade %6.0f ms, transfer %s%n", i + 1,
              fallbacks.get(i), upgrades.get(i), out.contains("matches") ? "intact" : "BROKEN: " + out.strip());
        } finally {
          lab.reopen(natHost);
          transfer.destroy();
        }
      }
      System.out.printf(Locale.ROOT, "%n%d trials, the path dark %d ms past each fallback; paths sampled every %.0f ms"
          + " (median of one nat:paths)%n", trials, DARK_MS, percentile(samples, 50));
      System.out.printf(Locale.ROOT, "%-48s %8s %8s %8s %8s%n", "move", "p50 ms", "p95 ms", "min", "max");
      print("fallback to the hub relay, after the path went dark", fallbacks);
      print("upgrade to a direct path, after the path opened", upgrades);
      System.out.printf("transfers that did not end intact: %d of %d%n", broken, trials);
    } finally {
      processes.forEach(NodeProcess::close);
    }
  }

  private static NodeProcess node(String name, Lab.Host host, String peerConfig, List<NodeProcess> all)
      throws Exception {
    NodeProcess p = Lab.node(name, host)
        .config("io.macula.nat.endpoint", "bind = 0.0.0.0:0\n")
        .config("io.macula.nat.peer", peerConfig);
    all.add(p);
    return p.start();
  }

  private static long bytesSent(NodeProcess node, String peer) {
    return NatMatrixIT.bytesSent(node, peer);
  }

  /** The kind of a node's path to the peer now, as nat:paths says; the time the question took is kept. */
  private static String path(NodeProcess node, String peer, List<Double> samples) {
    long start = System.nanoTime();
    String kind = NatMatrixIT.pathOf(node, peer);
    samples.add((System.nanoTime() - start) / 1e6);
    return kind;
  }

  private static void print(String what, List<Double> ms) {
    System.out.printf(Locale.ROOT, "%-48s %8.0f %8.0f %8.0f %8.0f%n", what, percentile(ms, 50), percentile(ms, 95),
        ms.stream().mapToDouble(Double::doubleValue).min().orElse(0),
        ms.stream().mapToDouble(Double::doubleValue).max().orElse(0));
  }

  /** The nearest-rank percentile. */
  public static double percentile(List<Double> values, int p) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
