package io.macula.nat.itest;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A hub and three nodes, each its own process, under normal and hostile traffic at once for a while
 * (10 minutes; {@code -Dsoak.minutes=N}): transfers and pings between the nodes, and at the same
 * time spoofed QUIC Initials and forged relay frames (as root: raw sockets), random datagrams, and
 * a node the hub does not admit dialling the others. Prints each process's live heap, threads, file
 * descriptors and endpoint tables at the start and the end; exits 1 if any of them grew past its
 * margin.
 *
 * <pre>mvn -q -DskipTests install && mvn -q -pl integration-tests exec:java@soak</pre>
 */
public final class SoakBenchmark {
  private static final long HEAP_MARGIN_KB = 16 * 1024;
  private static final long THREAD_MARGIN = 8;
  private static final long FD_MARGIN = 8;
  private static final long TABLE_MARGIN = 16;

  private SoakBenchmark() {}

  public static void main(String[] args) throws Exception {
    Duration length = Duration.ofMinutes(Long.getLong("soak.minutes", 10));
    boolean spoofing = "root".equals(System.getProperty("user.name"))
        && Files.isExecutable(Path.of("/usr/bin/python3"));
    if (!spoofing) {
      System.out.println("not root (or no python3): no spoofed traffic, only random datagrams");
    }
    try (Mesh mesh = Mesh.start("soak")) {
      NodeProcess a = mesh.node("soak-a", true);
      NodeProcess b = mesh.node("soak-b", true);
      NodeProcess c = mesh.node("soak-c", true);
      NodeProcess stranger = mesh.node("soak-stranger", false);
      Map<String, NodeProcess> watched = new LinkedHashMap<>();
      watched.put("hub", mesh.hub);
      watched.put("a", a);
      watched.put("b", b);
      watched.put("c", c);

      Round round = new Round(mesh, a, b, c, stranger, spoofing);
      round.run(); // warm-up: every path and table in use once
      Map<String, Map<String, Long>> start = measure(watched);
      long end = System.nanoTime() + length.toNanos();
      int rounds = 0;
      while (System.nanoTime() < end) {
        round.run();
        rounds++;
      }
      Map<String, Map<String, Long>> last = measure(watched);
      System.out.printf("%d rounds in %d s: %s%n", rounds, length.toSeconds(), round.totals());
      boolean flat = report(start, last);
      System.exit(flat ? 0 : 1);
    }
  }

  /** One round of normal and hostile traffic. */
  private static final class Round {
    private final Mesh mesh;
    private final NodeProcess a;
    private final NodeProcess b;
    private final NodeProcess c;
    private final NodeProcess stranger;
    private final boolean spoofing;
    private final Random random = new Random(7);
    private long transfers;
    private long spoofed;
    private long garbage;
    private long refusedDials;

    Round(Mesh mesh, NodeProcess a, NodeProcess b, NodeProcess c, NodeProcess stranger, boolean spoofing) {
      this.mesh = mesh;
      this.a = a;
      this.b = b;
      this.c = c;
      this.stranger = stranger;
      this.spoofing = spoofing;
    }

    void run() throws Exception {
      Process send = a.natAsync("nat:send", b.id(), "5");
      Process relayed = c.natAsync("nat:send", a.id(), "2");
      if (spoofing) {
        spoof("initials", port(a), 20_000);
        spoof("relay", port(b), mesh.hubPort, 20_000);
      }
      noise(List.of(mesh.hubPort, port(c)), 5_000);
      for (NodeProcess target : List.of(b, c)) {
        refusedDials += stranger.nat("nat:dial", target.id(), "127.0.0.1:" + port(target)).exit() == 0 ? 1 : 0;
      }
      require(b.ok("nat:ping", c.id(), "3").contains("3 probes"), "b pings c");
      for (Process p : List.of(send, relayed)) {
        require(p.waitFor(120, TimeUnit.SECONDS), "a transfer ends");
        String out = new String(p.getInputStream().readAllBytes());
        require(out.contains("matches"), "a transfer arrives intact: " + out);
        transfers++;
      }
    }

    String totals() {
      return transfers + " transfers intact, " + spoofed + " spoofed datagrams, " + garbage
          + " random datagrams, " + refusedDials + " dials by a stranger";
    }

    private void spoof(String kind, int port, int count) throws Exception {
      spoof(kind, port, -1, count);
    }

    private void spoof(String kind, int port, int from, int count) throws Exception {
      List<String> command = new ArrayList<>(List.of("python3",
          Path.of("target", "test-classes", "spoof.py").toString(), kind, String.valueOf(port)));
      if (from > 0) {
        command.add(String.valueOf(from));
      }
      command.add(String.valueOf(count));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      require(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, "the spoofer runs");
      spoofed += count;
    }

    private void noise(List<Integer> ports, int count) throws IOException {
      try (DatagramSocket s = new DatagramSocket()) {
        InetAddress lo = InetAddress.getLoopbackAddress();
        for (int i = 0; i < count; i++) {
          byte[] d = new byte[random.nextInt(1400)];
          random.nextBytes(d);
          s.send(new DatagramPacket(d, d.length, lo, ports.get(i % ports.size())));
        }
      }
      garbage += count;
    }
  }

  /** Each process's live heap, threads, descriptors, and the sizes of its endpoint's tables. */
  private static Map<String, Map<String, Long>> measure(Map<String, NodeProcess> processes) throws Exception {
    Map<String, Map<String, Long>> out = new LinkedHashMap<>();
    for (Map.Entry<String, NodeProcess> e : processes.entrySet()) {
      NodeProcess n = e.getValue();
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("live-heap-kb", HostileTrafficIT.liveHeapKb(n));
      m.put("threads", threads(n.pid()));
      try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(n.pid()), "fd"))) {
        m.put("fds", fds.count());
      }
      Matcher t = Pattern.compile("(?m)^(\\S+)\\s+(\\d+)\\s*$").matcher(n.ok("nat:tables"));
      while (t.find()) {
        m.put(t.group(1), Long.parseLong(t.group(2)));
      }
      out.put(e.getKey(), m);
    }
    return out;
  }

  private static long threads(long pid) throws IOException {
    Matcher m = Pattern.compile("(?m)^Threads:\\s+(\\d+)").matcher(
        Files.readString(Path.of("/proc", String.valueOf(pid), "status")));
    require(m.find(), "/proc/" + pid + "/status has Threads");
    return Long.parseLong(m.group(1));
  }

  private static boolean report(Map<String, Map<String, Long>> start, Map<String, Map<String, Long>> end) {
    boolean flat = true;
    System.out.printf("%-8s %-22s %12s %12s  %s%n", "PROCESS", "FIGURE", "START", "END", "");
    for (String process : start.keySet()) {
      for (Map.Entry<String, Long> f : start.get(process).entrySet()) {
        long before = f.getValue();
        long after = end.get(process).getOrDefault(f.getKey(), 0L);
        long margin = switch (f.getKey()) {
          case "live-heap-kb" -> HEAP_MARGIN_KB;
          case "threads" -> THREAD_MARGIN;
          case "fds" -> FD_MARGIN;
          default -> TABLE_MARGIN;
        };
        boolean ok = after - before <= margin;
        flat &= ok;
        System.out.printf("%-8s %-22s %12d %12d  %s%n", process, f.getKey(), before, after,
            ok ? "flat" : "GREW by more than " + margin);
      }
    }
    return flat;
  }

  private static int port(NodeProcess n) {
    Matcher m = Pattern.compile(":(\\d+)").matcher(n.ok("nat:id"));
    require(m.find(), "nat:id names the port");
    return Integer.parseInt(m.group(1));
  }

  private static void require(boolean condition, String what) {
    if (!condition) {
      throw new IllegalStateException("failed: " + what);
    }
  }
}
