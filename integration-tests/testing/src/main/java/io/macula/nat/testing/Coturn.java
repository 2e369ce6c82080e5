package io.macula.nat.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * coturn (Debian's package) as a real third-party STUN and TURN server: started with a
 * configuration of the test's own (on loopback, or in a network namespace), and stopped after.
 */
public final class Coturn implements AutoCloseable {
  public static final Path TURNSERVER = Path.of("/usr/bin/turnserver");
  public static final Path STUNCLIENT = Path.of("/usr/bin/turnutils_stunclient");

  private final Process process;
  private final Path log;
  public final int port;

  private Coturn(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** Skips the test without coturn, saying so; under CI (CI=true) a missing coturn fails it instead. */
  public static void require() {
    boolean present = Files.isExecutable(TURNSERVER) && Files.isExecutable(STUNCLIENT);
    if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("coturn is not installed (apt-get install coturn): CI must run the interop tests");
    }
    if (!present) {
      System.err.println("SKIPPED: the coturn interop tests: coturn is not installed (apt-get install coturn)");
    }
    Assumptions.assumeTrue(present, "coturn is not installed (apt-get install coturn): interop tests skipped");
  }

  /**
   * Starts turnserver on 127.0.0.1:{@code port}, with no configuration file, TLS or CLI.
   *
   * @param extra further options, e.g. the second listening IP for RFC 5780, or credentials
   */
  public static Coturn start(Path dir, int port, String... extra) throws IOException {
    return start(dir, List.of(), "127.0.0.1", port, extra);
  }

  /**
   * Starts turnserver on {@code ip}:{@code port}, the command after {@code prefix} (e.g. {@code ip
   * netns exec NS}, to run it in a network namespace).
   */
  public static Coturn start(Path dir, List<String> prefix, String ip, int port, String... extra) throws IOException {
    Files.createDirectories(dir);
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of(TURNSERVER.toString(), "-n",
        "--listening-ip=" + ip, "--listening-port=" + port,
        "--no-dtls", "--no-cli", "--no-stdout-log", "--simple-log",
        "--log-file=" + dir.resolve("turn.log"), "--pidfile=" + dir.resolve("turn.pid"),
        "--userdb=" + dir.resolve("turndb")));
    if (List.of(extra).stream().noneMatch(o -> o.startsWith("--cert="))) {
      command.add("--no-tls"); // TLS only when the test gives a certificate
    }
    command.addAll(List.of(extra));
    Path out = dir.resolve("turnserver.out");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    return new Coturn(p, out, port);
  }

  public InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", port);
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** A UDP port free on both loopback addresses now, and the next one too (RFC 5780's alternate). */
  public static int freePortPair() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port;
      try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
        port = s.getLocalPort();
      }
      if (port < 65535 && free("127.0.0.1", port + 1) && free("127.0.0.2", port) && free("127.0.0.2", port + 1)) {
        return port;
      }
    }
    throw new IOException("no free pair of UDP ports");
  }

  private static boolean free(String host, int port) {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(host, port))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Runs turnutils_stunclient against a server; returns its exit status and output. It never
   * retransmits and waits forever for an answer that does not come: timeout(1) bounds it.
   */
  public static String[] stunclient(InetSocketAddress server) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("timeout", "20", STUNCLIENT.toString(), "-p", Integer.toString(server.getPort()),
        server.getAddress().getHostAddress()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("turnutils_stunclient did not end: " + out);
    }
    return new String[] {Integer.toString(p.exitValue()), out};
  }
}
