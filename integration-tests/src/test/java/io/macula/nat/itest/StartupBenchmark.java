package io.macula.nat.itest;

import io.macula.nat.launcher.AdminClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How fast a node starts and how small it idles: the runnable node, started in a fresh home for
 * each trial with a bounded heap, timed from its process's start to the first {@code nat:id} its
 * admin socket answers (polled from here every 5 ms, so no client JVM competes with the node), then
 * left idle and measured from {@code /proc}: resident memory and the CPU time it spent; then
 * stopped and started again in the same home (its identity made, its bundles installed), timed
 * the same way. Every figure
 * is the median of the trials after one warm-up start, min and max beside it. Run it with
 * {@code mvn -q -DskipTests install && mvn -q -pl integration-tests exec:java@startup}
 * ({@code -Dbenchmark.trials=N}, {@code -Dbenchmark.heap=64m}, {@code -Dbenchmark.idle.seconds=10},
 * {@code -Dbenchmark.jvm="OPTIONS"}).
 */
public final class StartupBenchmark {
  private static final int TRIALS = Integer.getInteger("benchmark.trials", 5);
  private static final String HEAP = System.getProperty("benchmark.heap", "64m");
  private static final Duration IDLE = Duration.ofSeconds(Integer.getInteger("benchmark.idle.seconds", 10));
  /** More options for the node's JVM, space-separated: to compare, say, -XX:TieredStopAtLevel=1. */
  private static final List<String> JVM = jvmOptions("benchmark.jvm");
  private static final Duration START_LIMIT = Duration.ofSeconds(60);

  /** JVM options given in a system property, space-separated; none when it is not set. */
  public static List<String> jvmOptions(String property) {
    return Arrays.stream(System.getProperty(property, "").split(" ")).filter(o -> !o.isBlank()).toList();
  }
  /** Linux's clock ticks a second, in which /proc/PID/stat counts CPU time. */
  static final double TICKS_PER_SECOND = 100;

  private record Trial(double readyMs, double startCpuMs, double restartMs, double restartCpuMs, double idleRssMb,
      double idleCpuMsPerSecond) {}

  private StartupBenchmark() {}

  public static void main(String[] args) throws Exception {
    System.out.printf("node start-up benchmark: -Xmx%s %s, %d trials after 1 warm-up, idle %d s, %d cores%n", HEAP,
        String.join(" ", JVM), TRIALS, IDLE.toSeconds(), Runtime.getRuntime().availableProcessors());
    trial("startup-warmup");
    List<Trial> trials = new ArrayList<>();
    for (int i = 0; i < TRIALS; i++) {
      Trial t = trial("startup-" + i);
      System.out.printf(Locale.ROOT, "  trial %d: nat:id after %.0f ms (restart %.0f ms), %.0f ms CPU; idle %.1f MB"
          + " resident%n", i + 1, t.readyMs(), t.restartMs(), t.startCpuMs(), t.idleRssMb());
      trials.add(t);
    }
    System.out.printf("%n%-46s %10s %10s %10s%n", "", "median", "min", "max");
    row("time to a working nat:id, first start (ms)", trials.stream().mapToDouble(Trial::readyMs).toArray());
    row("CPU time until then (ms)", trials.stream().mapToDouble(Trial::startCpuMs).toArray());
    row("time to a working nat:id, restart (ms)", trials.stream().mapToDouble(Trial::restartMs).toArray());
    row("CPU time until then (ms)", trials.stream().mapToDouble(Trial::restartCpuMs).toArray());
    row("resident memory, idle (MB)", trials.stream().mapToDouble(Trial::idleRssMb).toArray());
    row("CPU while idle (ms a second)", trials.stream().mapToDouble(Trial::idleCpuMsPerSecond).toArray());
    double ready = median(trials.stream().mapToDouble(Trial::readyMs).toArray());
    double restart = median(trials.stream().mapToDouble(Trial::restartMs).toArray());
    System.out.printf(Locale.ROOT, "%ngoal: serves in -Xmx64m: %s (every trial with -Xmx%s answered)%n",
        "64m".equals(HEAP) ? "met" : "not measured", HEAP);
    System.out.printf(Locale.ROOT, "goal: nat:id within 2 s: first start %s (median %.0f ms), restart %s (median %.0f"
        + " ms)%n", ready <= 2000 ? "met" : "not met", ready, restart <= 2000 ? "met" : "not met", restart);
  }

  /**
   * A node in a fresh home (it binds a free loopback port and has no hub): its first start, which
   * makes its identity and installs its bundles in data/, then a restart in the same home, as after
   * a reboot.
   */
  private static Trial trial(String name) throws Exception {
    NodeProcess home = NodeProcess.freshHome(name).config("io.macula.nat.endpoint", "bind = 127.0.0.1:0\n");
    Path dir = home.home();
    Path socket = dir.resolve("admin.sock");
    long started = System.nanoTime();
    Process node = start(name, dir);
    try {
      double readyMs = ready(name, node, socket, started);
      double startCpuMs = cpuTicks(node.pid()) / TICKS_PER_SECOND * 1000;
      long idleFrom = cpuTicks(node.pid());
      Thread.sleep(IDLE.toMillis()); // the measurement itself: what an idle node holds and spends
      double idleCpu = (cpuTicks(node.pid()) - idleFrom) / TICKS_PER_SECOND * 1000 / IDLE.toSeconds();
      double rssMb = residentKb(node.pid()) / 1024.0;
      stop(name, node, socket);
      long restarted = System.nanoTime();
      Process again = start(name, dir);
      try {
        double restartMs = ready(name, again, socket, restarted);
        double restartCpuMs = cpuTicks(again.pid()) / TICKS_PER_SECOND * 1000;
        stop(name, again, socket);
        return new Trial(readyMs, startCpuMs, restartMs, restartCpuMs, rssMb, idleCpu);
      } finally {
        again.destroyForcibly();
      }
    } finally {
      node.destroyForcibly();
    }
  }

  private static Process start(String name, Path dir) throws IOException {
    List<String> command = new ArrayList<>(List.of("java", "-Xmx" + HEAP));
    command.addAll(JVM);
    command.addAll(List.of("-Dgosh.args=--noshutdown", "-jar", "macula-node.jar"));
    return new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("node.log").toFile()))
        .start();
  }

  /** Milliseconds from {@code started} (the process's start) to the first nat:id answered. */
  private static double ready(String name, Process node, Path socket, long started) throws Exception {
    while (!answers(socket)) {
      if (!node.isAlive()) {
        throw new AssertionError(name + " exited with " + node.exitValue() + ":\n"
            + Files.readString(socket.resolveSibling("node.log")));
      }
      if (System.nanoTime() - started > START_LIMIT.toNanos()) {
        throw new AssertionError(name + " did not answer nat:id within " + START_LIMIT.toSeconds() + " s");
      }
      Thread.sleep(5);
    }
    return (System.nanoTime() - started) / 1e6;
  }

  private static void stop(String name, Process node, Path socket) throws Exception {
    AdminClient.exchange(socket, "stop 0");
    if (!node.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " did not stop within 30 s of stop 0");
    }
  }

  /** Whether the node's admin socket runs nat:id to a zero exit status. */
  private static boolean answers(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try {
      return AdminClient.exchange(socket, "nat:id").endsWith(AdminClient.EXIT_PREFIX + "0\n");
    } catch (IOException e) {
      return false;
    }
  }

  /** User and system CPU time of a process so far, in clock ticks (/proc/PID/stat, fields 14 and 15). */
  static long cpuTicks(long pid) throws IOException {
    return cpuTicks(Path.of("/proc", String.valueOf(pid), "stat"));
  }

  /** The user and system ticks of a process's or a thread's stat file (/proc/PID[/task/TID]/stat). */
  static long cpuTicks(Path stat) throws IOException {
    String line = Files.readString(stat);
    // pid (name) state ...: utime and stime are the 14th and 15th fields, counted past the name
    String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  static long residentKb(long pid) throws IOException {
    return status(pid, "VmRSS");
  }

  /** A number of /proc/PID/status: VmRSS (KB), Threads. */
  static long status(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new IOException("no " + field + " for " + pid);
  }

  private static void row(String what, double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT, "%-46s %10.1f %10.1f %10.1f%n", what, median(values), sorted[0],
        sorted[sorted.length - 1]);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
