package io.macula.nat.itest;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real ZooKeeper ensemble on loopback: each member a {@code QuorumPeerMain} JVM of its own, from
 * the same ZooKeeper jars the hubs use. Members start together (one alone waits for a quorum);
 * each syncs nothing to disk and ticks every 200 ms, for tests.
 */
final class ZooKeeperEnsemble implements AutoCloseable {
  private final Path dir;
  private final int[] clientPorts;
  private final Process[] members;

  private ZooKeeperEnsemble(Path dir, int[] clientPorts) {
    this.dir = dir;
    this.clientPorts = clientPorts;
    this.members = new Process[clientPorts.length];
  }

  static ZooKeeperEnsemble start(String name, int size) throws IOException {
    Path dir = Files.createTempDirectory("zk-" + name);
    // All at once, every socket held until all are picked: separate picks could return one port twice.
    int[] ports = freeTcpPorts(3 * size);
    int[] client = java.util.Arrays.copyOfRange(ports, 0, size);
    int[] quorum = java.util.Arrays.copyOfRange(ports, size, 2 * size);
    int[] election = java.util.Arrays.copyOfRange(ports, 2 * size, 3 * size);
    StringBuilder servers = new StringBuilder();
    for (int i = 0; i < size; i++) {
      servers.append("server.").append(i + 1).append("=127.0.0.1:").append(quorum[i]).append(':')
          .append(election[i]).append('\n');
    }
    ZooKeeperEnsemble e = new ZooKeeperEnsemble(dir, client);
    for (int i = 0; i < size; i++) {
      Path home = Files.createDirectories(dir.resolve("member-" + (i + 1)));
      Files.writeString(home.resolve("myid"), Integer.toString(i + 1));
      Files.writeString(home.resolve("zoo.cfg"), "tickTime=200\ninitLimit=20\nsyncLimit=10\n"
          + "dataDir=" + home + "\nclientPort=" + client[i] + "\nclientPortAddress=127.0.0.1\n"
          + "admin.enableServer=false\n4lw.commands.whitelist=srvr\n" + servers);
      e.members[i] = new ProcessBuilder("java", "-Xmx96m", "-Dzookeeper.forceSync=no", "-cp", classPath(),
          "org.apache.zookeeper.server.quorum.QuorumPeerMain", home.resolve("zoo.cfg").toString())
          .directory(home.toFile())
          .redirectErrorStream(true)
          .redirectOutput(home.resolve("member.log").toFile())
          .start();
    }
    try {
      for (int i = 0; i < size; i++) {
        int member = i;
        Await.until("ZooKeeper member " + (i + 1) + " serves in a quorum", () -> e.mode(member).matches("leader|follower"),
            Duration.ofSeconds(60));
      }
    } catch (AssertionError failed) {
      StringBuilder state = new StringBuilder(failed.getMessage());
      for (int i = 0; i < size; i++) {
        state.append("\nmember ").append(i + 1).append(e.members[i].isAlive() ? " runs: " : " exited: ")
            .append(e.mode(i));
      }
      e.close();
      throw new AssertionError(state.toString(), failed);
    }
    return e;
  }

  /** The connect string of every member. */
  String connectString() {
    List<String> all = new ArrayList<>();
    for (int p : clientPorts) {
      all.add("127.0.0.1:" + p);
    }
    return String.join(",", all);
  }

  /** What member {@code i} (from 0) says it is: leader, follower, or why it does not say. */
  String mode(int i) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), clientPorts[i])) {
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write("srvr".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      return answer.lines().filter(l -> l.startsWith("Mode: ")).map(l -> l.substring(6).strip())
          .findFirst().orElse("no mode: " + answer.strip());
    } catch (IOException ex) {
      return "unreachable: " + ex.getMessage();
    }
  }

  /** Kills member {@code i} (from 0) with SIGKILL, as a crash would. */
  void kill(int i) throws InterruptedException {
    members[i].destroyForcibly();
    members[i].waitFor();
  }

  /** The last lines each member logged: what a failed test shows. */
  String logs() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < members.length; i++) {
      try {
        List<String> lines = Files.readAllLines(dir.resolve("member-" + (i + 1)).resolve("member.log"));
        b.append("== member ").append(i + 1).append('\n')
            .append(lines.subList(Math.max(0, lines.size() - 20), lines.size()).stream().collect(Collectors.joining("\n")))
            .append('\n');
      } catch (IOException ex) {
        b.append("== member ").append(i + 1).append(": no log\n");
      }
    }
    return b.toString();
  }

  @Override
  public void close() {
    for (Process p : members) {
      if (p != null) {
        p.destroyForcibly();
      }
    }
  }

  /** ZooKeeper's jars (the wrapped bundle holds ZooKeeper, jute and snappy's streams), metrics and SLF4J. */
  private static String classPath() {
    List<String> jars = new ArrayList<>();
    for (String c : List.of("org.apache.zookeeper.server.quorum.QuorumPeerMain", "org.slf4j.LoggerFactory",
        "com.codahale.metrics.Histogram")) {
      try {
        jars.add(Path.of(Class.forName(c).getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
      } catch (ClassNotFoundException | URISyntaxException ex) {
        throw new IllegalStateException("no jar on the test's class path has " + c, ex);
      }
    }
    return String.join(File.pathSeparator, jars);
  }

  private static int[] freeTcpPorts(int n) throws IOException {
    int[] ports = new int[n];
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    return ports;
  }
}
