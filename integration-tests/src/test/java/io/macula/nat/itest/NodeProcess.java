package io.macula.nat.itest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import io.macula.nat.launcher.AdminClient;

/** A node started from the launcher's folder as a user starts it: java -jar, in a home of its own. */
public final class NodeProcess implements AutoCloseable {
  static final Path NODE_DIR = Path.of(System.getProperty("node.dir", "../launcher/target/node"));

  /** What one run of the nat script gave. */
  public record Result(int exit, String out, String err) {}

  private final Path home;
  private Process process;
  private String namespace;
  private List<String> jvmOptions = List.of();

  private NodeProcess(Path home) {
    this.home = home;
  }

  /** A fresh copy of the assembled node folder, with no state from an earlier run. */
  public static NodeProcess freshHome(String name) throws IOException {
    Path home = Path.of("target", "nodes", name).toAbsolutePath();
    Trees.delete(home);
    try (Stream<Path> s = Files.walk(NODE_DIR)) {
      for (Path from : s.toList()) {
        Path rel = NODE_DIR.relativize(from);
        if (rel.startsWith("data") || rel.startsWith("nodes") || rel.toString().equals("admin.sock")) {
          continue; // state of a node that ran there, or of the demo's nodes
        }
        Path to = home.resolve(rel.toString());
        if (Files.isDirectory(from)) {
          Files.createDirectories(to);
        } else if (from.getFileName().toString().endsWith(".jar")) {
          link(from, to);
        } else {
          Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    return new NodeProcess(home);
  }

  /** A jar is only read: a link instead of a copy keeps a test run's eighty homes off the disk. */
  private static void link(Path from, Path to) throws IOException {
    try {
      Files.createLink(to, from.toAbsolutePath());
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES); // another file system
    }
  }

  Path home() {
    return home;
  }

  /** The node's process id, once started. */
  long pid() {
    return process.pid();
  }

  /** Runs the node in a network namespace of the NAT lab. */
  public NodeProcess inNamespace(String ns) {
    this.namespace = ns;
    return this;
  }

  public NodeProcess jvmOptions(String... options) {
    this.jvmOptions = List.of(options);
    return this;
  }

  /** Writes conf/PID.cfg: the node reads it at start, and while it runs. */
  public NodeProcess config(String pid, String content) throws IOException {
    Files.writeString(home.resolve("conf").resolve(pid + ".cfg"), content);
    return this;
  }

  /**
   * This node's nat:paths row for a peer (a full node id), split into its cells: PEER CONNECTIONS
   * STRATEGY PATH VIA... RTT_MS SENT RECEIVED, where a carried path's VIA has several words; empty
   * when it has no connection to the peer.
   */
  public java.util.Optional<String[]> pathsRow(String peer) {
    String shortForm = io.macula.nat.api.NodeId.parse(peer).shortForm();
    for (String line : ok("nat:paths").split("\n")) {
      String[] cells = line.trim().split("\\s+");
      if (cells.length >= 8 && cells[0].equals(shortForm)) {
        return java.util.Optional.of(cells);
      }
    }
    return java.util.Optional.empty();
  }

  /** The connect string of this hub's embedded ZooKeeper server, as hub:hubs tells it once it is up. */
  public String embeddedZooKeeper() {
    java.util.regex.Pattern embedded = java.util.regex.Pattern.compile("directory: embedded \\((\\S+)\\), connected");
    String[] found = new String[1];
    Await.until("the hub's directory is up", () -> {
      java.util.regex.Matcher m = embedded.matcher(ok("hub:hubs"));
      found[0] = m.find() ? m.group(1) : null;
      return found[0] != null;
    }, Duration.ofSeconds(60));
    return found[0];
  }

  /** This node's id, as nat:id prints it. */
  public String id() {
    Result r = nat("nat:id");
    if (r.exit() != 0) {
      throw new AssertionError("nat:id failed: " + r.err());
    }
    return r.out().split(" ")[0];
  }

  /** Runs a nat command that must succeed, and returns its output. */
  public String ok(String... args) {
    Result r = nat(args);
    if (r.exit() != 0) {
      throw new AssertionError("nat " + String.join(" ", args) + " failed (" + r.exit() + "): " + r.err() + r.out());
    }
    return r.out();
  }

  /** Starts a nat command without waiting for it. */
  public Process natAsync(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("nat").toString());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true).start();
  }

  /** Kills the node's JVM at once, as a crash would. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * Starts the node headless, as a service manager would, and waits until its admin socket answers
   * and its endpoint is up (nat:id answers: the admin socket opens before the other bundles start),
   * and, for a hub, until its hub answers.
   */
  public NodeProcess start() throws IOException {
    List<String> command = new ArrayList<>();
    if (namespace != null) {
      command.addAll(List.of("ip", "netns", "exec", namespace));
    }
    command.add("java");
    command.addAll(jvmOptions);
    command.addAll(List.of("-Dgosh.args=--noshutdown", "-jar", "macula-node.jar"));
    process =
        new ProcessBuilder(command)
            .directory(home.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("node.log").toFile()))
            .start();
    Await.until(
        "the node answers on its admin socket",
        () -> {
          if (!process.isAlive()) {
            throw new AssertionError("the node exited with " + process.exitValue() + ":\n" + log());
          }
          return nat("nat:id").exit() == 0;
        },
        Duration.ofSeconds(60));
    if (Files.exists(home.resolve("conf").resolve("io.macula.nat.hub.cfg"))) {
      // A hub: its hub starts once its endpoint is up, a moment after nat:id answers.
      Await.until("the node runs its hub", () -> nat("hub:nodes").exit() == 0, Duration.ofSeconds(60));
    }
    return this;
  }

  /**
   * Starts an installed bundle, named by its symbolic name, by its id: Gogo's {@code start} takes
   * ids or URLs (a name it takes for a URL, fails to install, and starts nothing).
   */
  public void startBundle(String symbolicName) {
    String bundles = ok("lb", "-s");
    java.util.regex.Matcher id = java.util.regex.Pattern.compile(
        "(?m)^\\s*(\\d+)\\s*\\|[^|]*\\|[^|]*\\|\\s*" + java.util.regex.Pattern.quote(symbolicName) + " ").matcher(bundles);
    if (!id.find()) {
      throw new AssertionError(symbolicName + " is not installed: " + bundles);
    }
    ok("start", id.group(1));
  }

  /**
   * Runs a nat command: what the node folder's nat script does, from this JVM (the script's client
   * is this same class, AdminClient), so that a test's polls start no JVM each beside the nodes.
   * Within 60 s, or an AssertionError.
   */
  public Result nat(String... args) {
    Path socket = home.resolve("admin.sock");
    String line = AdminClient.commandLine(List.of(args));
    java.util.concurrent.FutureTask<String> exchange = new java.util.concurrent.FutureTask<>(
        () -> AdminClient.exchange(socket, line));
    Thread t = new Thread(exchange, "nat " + line);
    t.setDaemon(true);
    t.start();
    try {
      AdminClient.Answer a = AdminClient.Answer.of(exchange.get(60, TimeUnit.SECONDS));
      return new Result(a.status(), a.out(), a.err());
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        AdminClient.Answer a = AdminClient.Answer.noNode(socket, io);
        return new Result(a.status(), a.out(), a.err());
      }
      throw new AssertionError("nat " + line + ": " + e.getCause(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      t.interrupt();
      throw new AssertionError("nat " + line + " did not end within 60 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Runs the node folder's nat script, as an operator's script would: a JVM of its own. */
  public Result script(String... args) {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("nat").toString());
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).directory(home.toFile()).start();
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("nat " + String.join(" ", args) + " did not end within 60 s");
      }
      return new Result(
          p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Stops the framework from the shell, as an operator would, and waits for the JVM to exit. */
  void stop() throws InterruptedException {
    nat("stop", "0");
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the node did not exit within 30 s of stop 0:\n" + log());
    }
  }

  public String log() {
    try {
      return Files.readString(home.resolve("node.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
