package io.macula.nat.turn.internal;

import io.macula.nat.testing.Coturn;
import io.macula.nat.testing.ServerProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The same relay load through our TURN server and through coturn, one after the other on this
 * machine: coturn's {@code turnutils_uclient} with {@value #CLIENTS} clients, each sending
 * {@value #MESSAGES} messages of {@value #LENGTH} bytes over a channel to {@code turnutils_peer},
 * which echoes them. Each server is warmed up with at least {@value #WARM_UP_RUNS} shorter runs,
 * and more until its JIT compilers are quiet (see {@link #warmUp}), then measured over
 * {@value #TRIALS} trials; prints for each server the median, min and max of its CPU
 * time per relayed packet (both ways, from its own counters in {@code /proc}), the packets lost in
 * all trials and the median time a trial took, then the ratios of the medians.
 *
 * <pre>mvn -q -DskipTests install && mvn -q -pl bundles/turn exec:java@benchmark</pre>
 */
public final class TurnServerBenchmark {
  static final int CLIENTS = 20;
  static final int MESSAGES = 1000;
  static final int WARM_UP_RUNS = 20;
  /** Runs in a row with no CPU in the JIT compiler threads that end the warm-up. */
  static final int QUIET_RUNS = 3;
  static final int MAX_WARM_UP_RUNS = 150;
  static final int TRIALS = 5;
  static final int LENGTH = 200;
  static final int INTERVAL_MS = 2;

  /** One trial; {@code relayCpuSeconds} is the relaying thread's alone, where the server has one. */
  private record Trial(long relayed, long lost, double seconds, double cpuSeconds, double relayCpuSeconds) {
    double cpuMicrosPerPacket() {
      return cpuSeconds * 1e6 / Math.max(1, relayed);
    }

    double relayCpuMicrosPerPacket() {
      return relayCpuSeconds * 1e6 / Math.max(1, relayed);
    }
  }

  private record Measured(String name, List<Trial> trials) {
    double cpuMicrosPerPacket() {
      return median(trials.stream().mapToDouble(Trial::cpuMicrosPerPacket).toArray());
    }

    double relayThreadMicrosPerPacket() {
      return median(trials.stream().mapToDouble(Trial::relayCpuMicrosPerPacket).toArray());
    }

    double min() {
      return trials.stream().mapToDouble(Trial::cpuMicrosPerPacket).min().orElse(0);
    }

    double max() {
      return trials.stream().mapToDouble(Trial::cpuMicrosPerPacket).max().orElse(0);
    }

    long lost() {
      return trials.stream().mapToLong(Trial::lost).sum();
    }

    long relayed() {
      return trials.stream().mapToLong(Trial::relayed).sum();
    }

    double seconds() {
      return median(trials.stream().mapToDouble(Trial::seconds).toArray());
    }
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private TurnServerBenchmark() {}

  public static void main(String[] args) throws Exception {
    Coturn.require();
    int peerPort = freePort();
    Process peer = new ProcessBuilder("turnutils_peer", "-L", "127.0.0.1", "-p", String.valueOf(peerPort))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      Measured ours = ours(peerPort);
      Measured theirs = coturn(peerPort);
      System.out.printf("%d trials each, after at least %d warm-up runs and until the JIT compilers were quiet%n",
          TRIALS, WARM_UP_RUNS);
      System.out.printf("%-22s %9s %6s %9s %15s %6s %6s %14s%n", "TURN server", "relayed", "lost", "s/trial",
          "CPU µs/packet", "min", "max", "relay thread");
      for (Measured m : List.of(ours, theirs)) {
        System.out.printf("%-22s %9d %6d %9.1f %15.2f %6.2f %6.2f %14.2f%n", m.name(), m.relayed(), m.lost(),
            m.seconds(), m.cpuMicrosPerPacket(), m.min(), m.max(), m.relayThreadMicrosPerPacket());
      }
      System.out.printf("%nours / coturn: CPU per relayed packet %.2f (our relay thread alone %.2f), lost %d vs %d%n",
          ours.cpuMicrosPerPacket() / theirs.cpuMicrosPerPacket(),
          ours.relayThreadMicrosPerPacket() / theirs.cpuMicrosPerPacket(), ours.lost(), theirs.lost());
      System.out.println("(coturn's threads all bear its name: its relay thread column is the whole process)");
    } finally {
      peer.destroy();
    }
  }

  private static Measured ours(int peerPort) throws Exception {
    int port = freePort();
    Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", ServerProcess.classpath(), StandaloneTurnServer.class.getName(), "--listen", "127.0.0.1:" + port,
        "--realm", "bench", "--user", "bench:bench", "--allow-peers", "127.0.0.0/8", "--quota", "1000")
        .redirectErrorStream(true).start();
    try {
      String line = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8)).readLine();
      if (line == null || !line.startsWith("listening")) {
        throw new IllegalStateException("our TURN server did not start: " + line);
      }
      warmUp(port, peerPort, server.pid());
      return measure("Macula NAT TURN server", server.pid(), "nat-turn-server", port, peerPort);
    } finally {
      server.destroy();
    }
  }

  private static Measured coturn(int peerPort) throws Exception {
    Path dir = Files.createTempDirectory("coturn-bench");
    int port = Coturn.freePortPair();
    try (Coturn c = Coturn.start(dir, port, "--realm=bench", "--lt-cred-mech", "--user=bench:bench",
        "--allow-loopback-peers", "--relay-ip=127.0.0.1", "--no-tcp-relay", "--relay-threads=1",
        "--user-quota=1000", "--total-quota=1000")) {
      warmUp(port, peerPort, -1); // coturn is up once this runs; it compiles nothing while it runs
      long pid = Long.parseLong(Files.readString(dir.resolve("turn.pid")).strip());
      return measure("coturn " + version(), pid, "turnserver", port, peerPort);
    }
  }

  /** {@code relayThread}: the name of the server's relaying thread (coturn's threads all bear the process's name). */
  private static Measured measure(String name, long pid, String relayThread, int port, int peerPort) throws Exception {
    List<Trial> trials = new java.util.ArrayList<>();
    int collisions = 0;
    for (int i = 0; i < TRIALS; i++) {
      long before = ServerProcess.cpuTicks(pid);
      long relayBefore = ServerProcess.threadCpuTicks(pid, relayThread);
      long start = System.nanoTime();
      long lost;
      try {
        lost = load(port, peerPort, MESSAGES);
      } catch (PortCollision e) {
        if (++collisions > 3) {
          throw e;
        }
        i--; // not a trial: its CPU went on setting up, and is not counted
        continue;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long after = ServerProcess.cpuTicks(pid);
      long relayAfter = ServerProcess.threadCpuTicks(pid, relayThread);
      long relayed = 2L * CLIENTS * MESSAGES; // each message to the peer and its echo back
      trials.add(new Trial(relayed, lost, seconds, (after - before) / 100.0, (relayAfter - relayBefore) / 100.0));
    }
    return new Measured(name, trials);
  }

  /**
   * Short runs: the first again until the server answers (it takes a moment to start), then
   * more, so that a JIT compiler has compiled the server's code before it is measured, as it has
   * in a server that has run for a while. The relay's code is compiled within a few runs, but the
   * allocations' set-up (twenty a run) reaches the optimizing compiler's thresholds one method
   * after another: after 20 runs C2 still took up to a third of the process's time in some trials.
   * So the warm-up goes on until the compiler threads of {@code jvm} (-1 for none) spent nothing in
   * {@value #QUIET_RUNS} runs in a row.
   */
  private static void warmUp(int port, int peerPort, long jvm) throws Exception {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      try {
        load(port, peerPort, 500);
        last = null;
        break;
      } catch (IllegalStateException e) {
        last = e;
      }
    }
    if (last != null) {
      throw last;
    }
    int runs = 1;
    int quiet = 0;
    while (runs < WARM_UP_RUNS || (jvm > 0 && quiet < QUIET_RUNS && runs < MAX_WARM_UP_RUNS)) {
      long before = jvm > 0 ? compilerTicks(jvm) : 0;
      loadOnce(port, peerPort, 500);
      quiet = jvm > 0 && compilerTicks(jvm) == before ? quiet + 1 : 0;
      runs++;
    }
    System.out.printf("warmed up in %d runs%n", runs);
  }

  /** The CPU ticks a JVM's JIT compiler threads spent. */
  private static long compilerTicks(long jvm) throws IOException {
    return ServerProcess.threadCpuTicks(jvm, "C2 CompilerThre") + ServerProcess.threadCpuTicks(jvm, "C1 CompilerThre");
  }

  /** One run of uclient; returns the packets it lost. */
  private static long load(int port, int peerPort, int messages) throws Exception {
    Process p = new ProcessBuilder("timeout", "300", "turnutils_uclient", "-u", "bench", "-w", "bench",
        "-e", "127.0.0.1", "-r", String.valueOf(peerPort), "-n", String.valueOf(messages), "-l", String.valueOf(LENGTH),
        "-m", String.valueOf(CLIENTS), "-z", String.valueOf(INTERVAL_MS), "-c", "-X", "-p", String.valueOf(port),
        "127.0.0.1").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(310, TimeUnit.SECONDS);
    Matcher lost = Pattern.compile("Total lost packets (\\d+)").matcher(out);
    if (!lost.find() && out.contains("Allocation Mismatch")) {
      throw new PortCollision(out);
    }
    if (!lost.find(0)) {
      throw new IllegalStateException("uclient did not finish:\n" + out);
    }
    return Long.parseLong(lost.group(1));
  }

  /**
   * A run uclient could not set up: one of its clients took a local port that a client of an
   * earlier run held an allocation from, which the server still keeps (437). Not a measurement: the
   * run is made again.
   */
  private static final class PortCollision extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    PortCollision(String output) {
      super("uclient met an allocation of an earlier run (437):\n" + output);
    }
  }

  /** One run of uclient, made again (up to three times) when it could not set up. */
  private static long loadOnce(int port, int peerPort, int messages) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return load(port, peerPort, messages);
      } catch (PortCollision e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }


  private static String version() throws Exception {
    Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", "coturn").start();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  private static int freePort() throws IOException {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      return s.getLocalPort();
    }
  }

}
