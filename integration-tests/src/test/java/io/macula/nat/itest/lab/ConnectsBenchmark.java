package io.macula.nat.itest.lab;

import io.macula.nat.itest.Await;
import io.macula.nat.itest.NodeProcess;
import io.macula.nat.itest.StartupBenchmark;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a connect takes, by strategy, on the NAT lab's real NATs: a hub (with its TURN server),
 * a node behind a restricted cone, one behind a port-restricted cone, a public node, and a public
 * node that relays for others. Each row makes {@code -Dbenchmark.connects=N} (50) fresh connects
 * after {@code -Dbenchmark.warmup=N} (300; hole punching 8) to warm up, at most 25 a second (hole
 * punching one every 2.1 s: the hub's and the ICE agent's rate limits), with every other strategy
 * disabled on the connecting node, and prints the
 * p50, p95, min and max of the connect as the node times it ({@code nat:connect}'s "in N ms": from
 * the negotiator's start, the peer's lookup included) and of the winning strategy's own attempt
 * (from its start: for hole punching, from the moment its signalling starts). Commands go through
 * the admin socket from this JVM ({@link NodeProcess#nat}), so no client process competes with the
 * nodes. The nodes run with
 * a node's default JIT, not the lab tests' quick-start options; {@code -Dbenchmark.jvm="OPTIONS"}
 * adds JVM options, {@code -Dbenchmark.rows=direct,holepunch} picks rows by strategy. As root, with
 * the NAT lab's tools.
 *
 * <pre>mvn -q -DskipTests install && mvn -q -pl integration-tests exec:java@connects</pre>
 */
public final class ConnectsBenchmark {
  private static final int CONNECTS = Integer.getInteger("benchmark.connects", 50);
  private static final int WARMUP = Integer.getInteger("benchmark.warmup", 300);
  /** The rows to run, by strategy, comma-separated; all when none is named. */
  private static final List<String> ROWS = java.util.Arrays.stream(System.getProperty("benchmark.rows", "").split(","))
      .map(String::strip).filter(r -> !r.isEmpty()).toList();
  private static final String PUBLIC_IP = "198.51.100.220";
  private static final String RELAY_IP = "198.51.100.230";
  private static final List<String> STRATEGIES = List.of("direct", "holepunch", "turn", "peerrelay", "hubrelay");
  private static final Pattern CONNECTED =
      Pattern.compile("connected to \\S+ by (\\S+) \\((\\S+) path\\) in (\\d+) ms");

  /**
   * Connects start no closer than this: each asks the hub about the peer, and some signal it, and
   * a hub takes 32 of each a second from a node (after a burst of 64).
   */
  private static final long PACE_MS = 40;
  /**
   * Hole punch connects start no closer than this: a node's ICE agent takes a peer's offers 8 at
   * once, then one every 2 s (what bounds a flood of them), and drops the rest unanswered; so they
   * warm up with those 8, after the rows before them warmed the rest of a connect's code.
   */
  private static final long ICE_PACE_MS = 2100;
  private static final int ICE_WARMUP = 8;

  /** One row: who connects to whom, by which strategy alone, and the goal of its p50 (0: none). */
  private record Row(String label, NodeProcess from, NodeProcess to, String strategy, String path, int goalMs) {
    long paceMs() {
      return strategy.equals("holepunch") ? ICE_PACE_MS : PACE_MS;
    }

    int warmup() {
      return strategy.equals("holepunch") ? Math.min(WARMUP, ICE_WARMUP) : WARMUP;
    }
  }

  /** A row's figures: whole connects and the winning attempts, in ms. */
  private record Timings(List<Double> connects, List<Double> attempts) {}

  private ConnectsBenchmark() {}

  public static void main(String[] args) throws Exception {
    Lab.exitUnlessAvailable();
    List<NodeProcess> processes = new ArrayList<>();
    try (Lab lab = new Lab()) {
      NodeProcess hub = Lab.hub("connects-hub", lab.publicHost("hub", Lab.HUB_IP, Lab.HUB_ALTERNATE_IP), "")
          .jvmOptions(jvm())
          .config("io.macula.nat.turn.server", "listen = " + Lab.HUB_IP + ":3478\n");
      processes.add(hub);
      hub.start();
      String peerConfig = "hub = " + hub.id() + "@" + Lab.HUB + "\n";
      NodeProcess cone = node("connects-cone", lab.router("cone", NatType.RESTRICTED_CONE, 1, false).lan().get(0),
          peerConfig, "", processes);
      NodeProcess portCone = node("connects-portcone",
          lab.router("portcone", NatType.PORT_RESTRICTED_CONE, 1, false).lan().get(0), peerConfig, "", processes);
      NodeProcess open = node("connects-public", lab.publicHost("public", PUBLIC_IP), peerConfig, "", processes);
      NodeProcess relay = node("connects-relay", lab.publicHost("relay", RELAY_IP), peerConfig,
          "offers_relay = true\n", processes);
      for (NodeProcess n : List.of(cone, portCone, open, relay)) {
        Await.until("registered", () -> hub.ok("hub:nodes").contains(n.id()), Duration.ofSeconds(90));
      }
      String relayId = relay.id();
      Await.until("the relay is listed, reachable", () -> hub.ok("hub:relays").lines()
          .anyMatch(l -> l.startsWith(relayId) && l.strip().endsWith("yes")), Duration.ofSeconds(30));
      List<Row> rows = List.of(
          new Row("direct: restricted cone -> public", cone, open, "direct", "direct", 10),
          new Row("direct: public -> restricted cone (dial back)", open, cone, "direct", "direct", 10),
          new Row("holepunch: restricted -> port-restricted cone", cone, portCone, "holepunch", "hole-punched", 60),
          new Row("turn: the hub's TURN server", cone, portCone, "turn", "turn", 0),
          new Row("peerrelay: a public node relays", cone, portCone, "peerrelay", "peer-relay", 0),
          new Row("hubrelay: the hub relays", cone, portCone, "hubrelay", "hub-relay", 15));
      List<Timings> timings = new ArrayList<>();
      rows = rows.stream().filter(r -> ROWS.isEmpty() || ROWS.contains(r.strategy())).toList();
      for (Row row : rows) {
        only(row.from(), row.strategy());
        timings.add(measure(row));
      }
      print(rows, timings);
    } finally {
      processes.forEach(NodeProcess::close);
    }
    System.exit(0);
  }

  private static NodeProcess node(String name, Lab.Host host, String peerConfig, String relayConfig,
      List<NodeProcess> all) throws Exception {
    NodeProcess p = Lab.node(name, host)
        .jvmOptions(jvm())
        .config("io.macula.nat.endpoint", "bind = 0.0.0.0:0\n")
        .config("io.macula.nat.peer", peerConfig)
        .config("io.macula.nat.relay", relayConfig
            + "relay_bytes_per_second = 10000000000\nrelay_packets_per_second = 10000000\n");
    all.add(p);
    return p.start();
  }

  /** A node's default JIT and collector, in a heap that leaves room for five nodes. */
  private static String[] jvm() {
    List<String> options = new ArrayList<>(List.of("-Xmx128m"));
    options.addAll(StartupBenchmark.jvmOptions("benchmark.jvm"));
    return options.toArray(String[]::new);
  }

  /** Leaves {@code strategy} the connecting node's only one, so that its failure shows as one. */
  private static void only(NodeProcess node, String strategy) {
    for (String s : STRATEGIES) {
      node.ok(s.equals(strategy) ? "nat:enable" : "nat:disable", s);
    }
  }

  private static Timings measure(Row row) throws Exception {
    String peer = row.to().id();
    List<Double> connects = new ArrayList<>();
    List<Double> attempts = new ArrayList<>();
    for (int i = 0; i < row.warmup() + CONNECTS; i++) {
      long started = System.nanoTime();
      NodeProcess.Result r = row.from().nat("nat:connect", peer);
      String out = r.out() + r.err();
      Matcher m = CONNECTED.matcher(out);
      if (!m.find() || !m.group(1).equals(row.strategy()) || !m.group(2).equals(row.path())) {
        throw new IllegalStateException(row.label() + ", connect " + (i + 1) + ": expected " + row.strategy()
            + " (" + row.path() + " path):\n" + out);
      }
      if (i >= row.warmup()) {
        connects.add(Double.parseDouble(m.group(3)));
        attempts.add(attemptMs(out, row.strategy()));
      }
      long left = row.paceMs() - (System.nanoTime() - started) / 1_000_000;
      if (left > 0) {
        Thread.sleep(left); // the pace of the rate limits, not a wait for a condition
      }
    }
    System.out.printf(Locale.ROOT, "%s: p50 %.0f ms%n", row.label(), PathMovesBenchmark.percentile(connects, 50));
    return new Timings(connects, attempts);
  }

  /** The MS cell of the strategy's succeeded row in nat:connect's attempt table. */
  private static double attemptMs(String out, String strategy) {
    Matcher m = Pattern.compile("(?m)^" + strategy + "\\s+succeeded\\s+(\\d+)").matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("no succeeded attempt of " + strategy + " in:\n" + out);
    }
    return Double.parseDouble(m.group(1));
  }

  private static void print(List<Row> rows, List<Timings> timings) {
    System.out.printf(Locale.ROOT, "%n%d connects a row after %d to warm up (hole punching %d); ms%n", CONNECTS,
        WARMUP, Math.min(WARMUP, ICE_WARMUP));
    System.out.printf(Locale.ROOT, "%-48s %28s %28s%n", "", "connect p50 / p95 (min-max)",
        "attempt p50 / p95 (min-max)");
    for (int i = 0; i < rows.size(); i++) {
      System.out.printf(Locale.ROOT, "%-48s %28s %28s%n", rows.get(i).label(), cell(timings.get(i).connects()),
          cell(timings.get(i).attempts()));
    }
    System.out.println();
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      if (row.goalMs() > 0) {
        double p50 = PathMovesBenchmark.percentile(row.strategy().equals("holepunch")
            ? timings.get(i).attempts() : timings.get(i).connects(), 50);
        System.out.printf(Locale.ROOT, "goal: %s p50 <= %d ms%s: %s (%.0f ms)%n", row.label(), row.goalMs(),
            row.strategy().equals("holepunch") ? " after signalling starts" : "",
            p50 <= row.goalMs() ? "met" : "NOT met", p50);
      }
    }
  }

  private static String cell(List<Double> ms) {
    return String.format(Locale.ROOT, "%5.0f / %4.0f (%4.0f-%5.0f)", PathMovesBenchmark.percentile(ms, 50),
        PathMovesBenchmark.percentile(ms, 95), ms.stream().mapToDouble(Double::doubleValue).min().orElse(0),
        ms.stream().mapToDouble(Double::doubleValue).max().orElse(0));
  }
}
