package io.macula.nat.itest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A stock Apache Karaf, unpacked from its distribution as an operator would, that takes Maven
 * artifacts from the reactor first (then the local repository, then Maven Central), and is driven
 * through its own client over SSH.
 */
final class KarafContainer implements AutoCloseable {
  private static final Duration COMMAND_WAIT = Duration.ofMinutes(3);

  private final Path home;
  private final int sshPort;
  private Process process;

  private KarafContainer(Path home, int sshPort) {
    this.home = home;
    this.sshPort = sshPort;
  }

  /** Unpacks a fresh container under target/karaf/NAME and points it at the reactor's artifacts. */
  static KarafContainer unpack(String name) throws IOException, InterruptedException {
    Path parent = Path.of("target", "karaf", name).toAbsolutePath();
    Trees.delete(parent);
    Files.createDirectories(parent);
    Path tarball = Path.of(System.getProperty("karaf.distribution"));
    Process tar = new ProcessBuilder("tar", "xzf", tarball.toString(), "--strip-components=1")
        .directory(parent.toFile()).inheritIO().start();
    if (!tar.waitFor(2, TimeUnit.MINUTES) || tar.exitValue() != 0) {
      throw new IOException("could not unpack " + tarball);
    }
    KarafContainer karaf = new KarafContainer(parent, freeTcpPort());
    karaf.configure();
    return karaf;
  }

  private void configure() throws IOException {
    // An operator's account for the client (the distribution ships it commented out).
    Files.writeString(etc("users.properties"),
        "karaf = karaf,_g_:admingroup\n_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n");
    replaceLine("org.apache.karaf.shell.cfg", "sshPort", "sshPort = " + sshPort);
    replaceLine("org.apache.karaf.shell.cfg", "sshHost", "sshHost = 127.0.0.1");
    replaceLine("org.apache.karaf.management.cfg", "rmiRegistryPort", "rmiRegistryPort = " + freeTcpPort());
    replaceLine("org.apache.karaf.management.cfg", "rmiServerPort", "rmiServerPort = " + freeTcpPort());
    Path reactor = Path.of(System.getProperty("karaf.repository")).toAbsolutePath();
    requireReactorBundles(reactor);
    Files.writeString(etc("org.ops4j.pax.url.mvn.cfg"), String.join("\n",
        "org.ops4j.pax.url.mvn.useFallbackRepositories = false",
        "org.ops4j.pax.url.mvn.localRepository = " + System.getProperty("org.ops4j.pax.url.mvn.localRepository"),
        "org.ops4j.pax.url.mvn.defaultRepositories = " + reactor.toUri() + "@id=reactor@snapshots, "
            + "${karaf.home.uri}${karaf.default.repository}@id=system.repository@snapshots",
        "org.ops4j.pax.url.mvn.repositories = https://repo1.maven.org/maven2@id=central",
        ""));
  }

  /**
   * Every bundle of ours the features name is in the reactor's copy: one missing there would come
   * from the local repository, stale or absent on a fresh machine.
   */
  private static void requireReactorBundles(Path reactor) throws IOException {
    List<Path> features;
    try (var files = Files.walk(reactor.resolve("io/macula/nat/features"))) {
      features = files.filter(f -> f.toString().endsWith("-features.xml")).toList();
    }
    if (features.isEmpty()) {
      throw new IllegalStateException("no features in " + reactor);
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("mvn:io\\.macula\\.nat/([^/<]+)/([^/<]+)<")
        .matcher(Files.readString(features.get(0)));
    while (m.find()) {
      Path jar = reactor.resolve("io/macula/nat/" + m.group(1) + "/" + m.group(2) + "/" + m.group(1) + "-" + m.group(2)
          + ".jar");
      if (!Files.exists(jar)) {
        throw new IllegalStateException("the features name " + m.group(1) + ", which is not in " + reactor
            + ": add it to integration-tests' dependencies");
      }
    }
  }

  /** Starts the container as a server (no local console) and waits until its shell answers. */
  KarafContainer start() throws IOException {
    process = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
        .directory(home.toFile())
        .redirectErrorStream(true)
        .redirectOutput(home.resolve("karaf.out").toFile())
        .start();
    process.getOutputStream().close();
    Await.until("Karaf's shell answers", () -> run("echo karaf-ready").contains("karaf-ready"),
        Duration.ofMinutes(2));
    return this;
  }

  /** Runs commands in one client session (batch mode) and returns what they printed, ANSI stripped. */
  String run(String... commands) {
    List<String> argv = new ArrayList<>(client());
    argv.add("-b");
    try {
      ProcessBuilder pb = new ProcessBuilder(argv).directory(home.toFile()).redirectErrorStream(true);
      environment(pb.environment());
      Process client = pb.start();
      client.getOutputStream().write((String.join("\n", commands) + "\n").getBytes(StandardCharsets.UTF_8));
      client.getOutputStream().close();
      byte[] out = client.getInputStream().readAllBytes();
      if (!client.waitFor(COMMAND_WAIT.toSeconds(), TimeUnit.SECONDS)) {
        client.destroyForcibly();
        throw new AssertionError(String.join("; ", commands) + ": no end within " + COMMAND_WAIT);
      }
      return new String(out, StandardCharsets.UTF_8).replaceAll("\u001B\\[[0-9;]*m", "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * Types keys into an interactive client session on a pseudo-terminal, as an operator would (a TAB
   * to complete, a newline to run: console.py), and returns what the console showed after them once
   * every expected word is there. The console's help and completion need a terminal: batch mode has
   * neither.
   */
  String console(String keys, String... expected) {
    Path script = Path.of("target", "test-classes", "console.py").toAbsolutePath();
    List<String> argv = new ArrayList<>(List.of("python3", script.toString(), "60", "karaf@root()>", keys));
    argv.addAll(List.of(expected));
    argv.add("--");
    argv.addAll(client());
    try {
      ProcessBuilder pb = new ProcessBuilder(argv).directory(home.toFile()).redirectErrorStream(true);
      environment(pb.environment());
      Process typing = pb.start();
      String shown = new String(typing.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!typing.waitFor(COMMAND_WAIT.toSeconds(), TimeUnit.SECONDS)) {
        typing.destroyForcibly();
        throw new AssertionError(keys + ": no end within " + COMMAND_WAIT);
      }
      if (typing.exitValue() != 0) {
        throw new AssertionError(keys + " did not show " + List.of(expected) + ":\n" + shown);
      }
      return shown;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private List<String> client() {
    return List.of(home.resolve("bin/client").toString(), "-h", "127.0.0.1", "-a", String.valueOf(sshPort),
        "-u", "karaf", "-p", "karaf", "-r", "5", "-d", "1");
  }

  /** Runs commands that must all succeed: Karaf prints "Error executing command" otherwise. */
  String ok(String... commands) {
    String out = run(commands);
    if (out.contains("Error executing command") || out.contains("Command not found")) {
      throw new AssertionError(String.join("; ", commands) + " failed:\n" + out);
    }
    return out;
  }

  /** The project's bundles by symbolic name, with the state bundle:list gives each. */
  Map<String, String> projectBundles() {
    Map<String, String> states = new java.util.TreeMap<>();
    for (String line : run("bundle:list -t 0 -s").split("\n")) {
      String[] cells = line.split("\\|");
      if (cells.length == 5 && cells[4].strip().startsWith("io.macula.nat")) {
        states.put(cells[4].strip(), cells[1].strip());
      }
    }
    return states;
  }

  /** Writes a configuration file into etc/, where Karaf's FileInstall reads it while running. */
  void etcFile(String name, String content) throws IOException {
    Path tmp = etc(name + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, etc(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  Path etc(String name) {
    return home.resolve("etc").resolve(name);
  }

  /** Stops the container as an operator would (bin/stop) and waits for its JVM to end. */
  void stop() throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/stop").toString()).directory(home.toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    environment(pb.environment());
    pb.start().waitFor(1, TimeUnit.MINUTES);
    Await.until("Karaf stopped after bin/stop", () -> !isRunning(), Duration.ofMinutes(1));
  }

  /** Whether the script or the JVM it started still runs. */
  boolean isRunning() {
    return process != null && (process.isAlive() || process.descendants().anyMatch(ProcessHandle::isAlive));
  }

  String log() {
    try {
      return Files.readString(home.resolve("data/log/karaf.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Kills the container's JVM and the script that started it (bin/karaf does not exec java). */
  @Override
  public void close() {
    if (process != null) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private static void environment(Map<String, String> env) {
    env.put("JAVA_HOME", System.getProperty("java.home"));
  }

  private void replaceLine(String file, String key, String line) throws IOException {
    Path path = etc(file);
    List<String> lines = new ArrayList<>(Files.readAllLines(path));
    lines.removeIf(l -> l.matches("\\s*" + key + "\\s*=.*"));
    lines.add(line);
    Files.write(path, lines);
  }

  static int freeTcpPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

}
