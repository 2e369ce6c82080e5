package io.macula.nat.itest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Throughput and round trip over each kind of path, in one run, between real node processes on
 * loopback: direct, through a node that relays (peer relay), through the hub's relay, and through
 * the hub's TURN server. Each path gets a fresh pair of nodes whose connecting node has every other
 * strategy disabled, so both ends' packets take that path; each throughput is the median of the
 * trials (min and max beside it) after two warm-up transfers, each round trip the median of the pings; both
 * printed as ratios to direct; then the p50 and p95 of 50 fresh connects by the strategy, as the node
 * times them. The relay's own limits are set far above what loopback carries, so the figures are the
 * relaying's, not its budget's. Run it with {@code mvn -q -DskipTests install &&
 * mvn -q -pl integration-tests exec:java@relaypaths}.
 */
public final class RelayPathsBenchmark {
  private static final int MB = Integer.getInteger("benchmark.mb", 50);
  private static final int TRIALS = Integer.getInteger("benchmark.trials", 5);
  private static final int PINGS = Integer.getInteger("benchmark.pings", 50);
  private static final int CONNECTS = Integer.getInteger("benchmark.connects", 50);
  private static final Pattern CONNECTED = Pattern.compile("connected to \\S+ by (\\S+) \\(\\S+ path\\) in (\\d+) ms");
  private static final List<String> STRATEGIES = List.of("direct", "holepunch", "turn", "peerrelay", "hubrelay");
  private static final Pattern RATE = Pattern.compile("([0-9.]+) MB/s; sha256 [0-9a-f]{64} matches");
  private static final Pattern MEDIAN = Pattern.compile("median ([0-9.]+) ms");

  private record Row(String strategy, String path, double[] mbs, double rttMs, double[] connectMs) {
    double median() {
      return RelayPathsBenchmark.median(mbs);
    }
  }

  private RelayPathsBenchmark() {}

  public static void main(String[] args) throws Exception {
    System.out.printf("relay paths benchmark: %d trials of %d MB each way one after another, %d pings, %d cores%n",
        TRIALS, MB, PINGS, Runtime.getRuntime().availableProcessors());
    Map<String, Row> rows = new LinkedHashMap<>();
    try (Mesh mesh = Mesh.start("bench")) {
      mesh.hubTurnServer();
      NodeProcess relay = mesh.node("bench-relay", "io.macula.nat.relay",
          "offers_relay = true\nrelay_bytes_per_second = 10000000000\nrelay_packets_per_second = 10000000\n");
      String relayId = relay.id();
      Await.until("the relay is listed, reachable", () -> mesh.hub.ok("hub:relays").lines()
          .anyMatch(l -> l.startsWith(relayId) && l.strip().endsWith("yes")), Duration.ofSeconds(30));
      for (String strategy : List.of("direct", "peerrelay", "hubrelay", "turn")) {
        rows.put(strategy, measure(mesh, strategy));
      }
      String pairs = relay.ok("nat:relay");
      System.out.println("\nthe relay, afterwards:\n" + pairs);
    }
    Row direct = rows.get("direct");
    System.out.printf("%n%-11s %-11s %22s %12s %14s %13s %21s%n", "strategy", "path", "MB/s median (min-max)",
        "RTT median", "MB/s ÷ direct", "RTT ÷ direct", "connect p50 / p95");
    for (Row r : rows.values()) {
      double[] sorted = r.mbs().clone();
      Arrays.sort(sorted);
      System.out.printf(Locale.ROOT, "%-11s %-11s %8.1f (%5.1f-%5.1f) %9.2f ms %14.2f %13.2f %9.0f / %4.0f ms%n",
          r.strategy(), r.path(), r.median(), sorted[0], sorted[sorted.length - 1], r.rttMs(),
          r.median() / direct.median(), r.rttMs() / direct.rttMs(), r.connectMs()[0], r.connectMs()[1]);
    }
    System.exit(0);
  }

  /** A fresh pair of nodes, connected by {@code strategy} alone: its throughput and round trip. */
  private static Row measure(Mesh mesh, String strategy) throws Exception {
    NodeProcess a = mesh.node("bench-" + strategy + "-a", true);
    NodeProcess b = mesh.node("bench-" + strategy + "-b", true);
    for (String other : STRATEGIES) {
      if (!other.equals(strategy)) {
        a.ok("nat:disable", other);
      }
    }
    String connect = a.ok("nat:connect", b.id());
    Matcher won = Pattern.compile("by (\\S+) \\((\\S+) path\\)").matcher(connect);
    if (!won.find() || !won.group(1).equals(strategy)) {
      throw new AssertionError("expected " + strategy + " to win: " + connect);
    }
    for (int i = 0; i < 2; i++) {
      rate(a.ok("nat:send", b.id(), String.valueOf(MB))); // warm-up: the nodes' JIT, the path's windows
    }
    List<Double> mbs = new ArrayList<>();
    for (int i = 0; i < TRIALS; i++) {
      mbs.add(rate(a.ok("nat:send", b.id(), String.valueOf(MB))));
    }
    Matcher median = MEDIAN.matcher(a.ok("nat:ping", b.id(), String.valueOf(PINGS)));
    if (!median.find()) {
      throw new AssertionError("no round trip over " + strategy);
    }
    double[] connects = connects(a, b.id(), strategy);
    System.out.printf(Locale.ROOT, "%s: %s MB/s, round trip %s ms, connects p50 %.0f ms%n", strategy, mbs,
        median.group(1), connects[0]);
    return new Row(strategy, won.group(2), mbs.stream().mapToDouble(Double::doubleValue).toArray(),
        Double.parseDouble(median.group(1)), connects);
  }

  /**
   * CONNECTS fresh connects (each makes a connection of its own), as the node times them from the
   * negotiator's start to the path found; through the admin socket from here, so that no client JVM
   * competes with the nodes. Returns p50 and p95 in ms.
   */
  private static double[] connects(NodeProcess a, String peer, String strategy) throws Exception {
    double[] ms = new double[CONNECTS];
    for (int i = 0; i < CONNECTS; i++) {
      NodeProcess.Result r = a.nat("nat:connect", peer);
      String out = r.out() + r.err();
      Matcher m = CONNECTED.matcher(out);
      if (!m.find() || !m.group(1).equals(strategy)) {
        throw new AssertionError("connect " + i + " over " + strategy + ": " + out);
      }
      ms[i] = Double.parseDouble(m.group(2));
    }
    Arrays.sort(ms);
    return new double[] {ms[CONNECTS / 2], ms[CONNECTS * 95 / 100]};
  }

  private static double rate(String sendOutput) {
    Matcher m = RATE.matcher(sendOutput);
    if (!m.find()) {
      throw new AssertionError("the data did not cross intact: " + sendOutput);
    }
    return Double.parseDouble(m.group(1));
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
