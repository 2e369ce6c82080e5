package io.macula.nat.stun.internal;

import io.macula.nat.testing.Coturn;
import io.macula.nat.testing.ServerProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Our STUN server against coturn's, on loopback, with the same load generator in one run: Binding
 * requests answered per second, requests lost, and the server's CPU time per answered request
 * (from the server process's own counters in /proc: on 2 cores the load generator may cap the
 * rate, so CPU per request is the fair comparison). Each server runs as a process of its own.
 *
 * <pre>mvn -q -DskipTests install && mvn -q -pl bundles/stun test-compile exec:java@benchmark</pre>
 */
public final class StunServerBenchmark {
  private static final double WARMUP_SECONDS = 3;
  private static final double MEASURE_SECONDS = 8;
  private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux (getconf CLK_TCK)

  private record Measured(String name, BindingLoad.Result load, double cpuSeconds) {
    double cpuMicrosPerAnswer() {
      return cpuSeconds * 1e6 / Math.max(1, load.answered());
    }
  }

  public static void main(String[] args) throws Exception {
    List<Measured> results = new ArrayList<>();
    int ourPort = Coturn.freePortPair();
    Process ours = startOurs(ourPort);
    try {
      results.add(measure("Macula NAT STUN server", ours.pid(), new InetSocketAddress("127.0.0.1", ourPort)));
    } finally {
      ours.destroy();
      ours.waitFor(5, TimeUnit.SECONDS);
    }
    if (!Files.isExecutable(Coturn.TURNSERVER)) {
      System.out.println("coturn is not installed (apt-get install coturn): only our server was measured");
    } else {
      Path dir = Files.createTempDirectory("coturn-bench");
      int port = Coturn.freePortPair();
      // One relay thread, as our server has one I/O thread: the same footing on 2 cores.
      try (Coturn coturn = Coturn.start(dir, port, "--stun-only", "--relay-threads=1")) {
        awaitAnswer(new InetSocketAddress("127.0.0.1", port));
        results.add(measure("coturn " + coturnVersion(), coturnPid(dir), new InetSocketAddress("127.0.0.1", port)));
      }
    }
    print(results);
  }

  private static Measured measure(String name, long pid, InetSocketAddress server) throws Exception {
    BindingLoad.run(server, WARMUP_SECONDS);
    long before = ServerProcess.cpuTicks(pid);
    BindingLoad.Result load = BindingLoad.run(server, MEASURE_SECONDS);
    long after = ServerProcess.cpuTicks(pid);
    return new Measured(name, load, (after - before) / (double) CLOCK_TICKS_PER_SECOND);
  }

  private static void print(List<Measured> results) {
    System.out.printf(Locale.ROOT, "%-28s %12s %10s %9s %14s%n", "STUN server (one process)", "answered/s",
        "lost", "lost %", "CPU µs/answer");
    for (Measured m : results) {
      System.out.printf(Locale.ROOT, "%-28s %12.0f %10d %8.3f%% %14.2f%n", m.name(), m.load().perSecond(),
          m.load().lost(), 100.0 * m.load().lost() / Math.max(1, m.load().sent()), m.cpuMicrosPerAnswer());
    }
    if (results.size() == 2) {
      Measured a = results.get(0);
      Measured b = results.get(1);
      System.out.printf(Locale.ROOT, "%nours / coturn: answered per second %.2f, CPU per answer %.2f%n",
          a.load().perSecond() / b.load().perSecond(), a.cpuMicrosPerAnswer() / b.cpuMicrosPerAnswer());
    }
    System.out.printf(Locale.ROOT, "(%.0f s of load each after %.0f s of warm-up; one client socket, 64 requests in flight)%n",
        MEASURE_SECONDS, WARMUP_SECONDS);
  }


  private static Process startOurs(int port) throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", ServerProcess.classpath(), StandaloneStunServer.class.getName(), "--bind", "127.0.0.1:" + port)
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    if (line == null || !line.startsWith("listening")) {
      p.destroyForcibly();
      throw new IllegalStateException("our server did not start: " + line);
    }
    return p;
  }


  private static void awaitAnswer(InetSocketAddress server) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (BindingLoad.run(server, 0.05).answered() > 0) {
        return;
      }
    }
    throw new IllegalStateException("coturn did not answer on " + server);
  }

  private static long coturnPid(Path dir) throws Exception {
    Path pidFile = dir.resolve("turn.pid");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (Files.exists(pidFile)) {
        String text = Files.readString(pidFile).strip();
        if (!text.isEmpty()) {
          return Long.parseLong(text);
        }
      }
      Thread.onSpinWait();
    }
    throw new IllegalStateException("coturn wrote no pid file");
  }

  private static String coturnVersion() {
    try {
      Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", "coturn").start();
      String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return Optional.of(v).filter(s -> !s.isEmpty()).orElse("");
    } catch (IOException e) {
      return "";
    }
  }
}
