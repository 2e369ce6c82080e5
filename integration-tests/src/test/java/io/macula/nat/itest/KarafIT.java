package io.macula.nat.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

/**
 * The project's Karaf features in a stock Apache Karaf from Maven Central, used as an operator
 * would, through Karaf's own client: the node feature installs in one command without cutting the
 * operator's session, every bundle goes Active once the node has a hub, the commands print, a
 * strategy feature comes and goes, the node in Karaf connects to a node of the runnable jar through
 * a hub of the runnable jar, and its identity outlives a reinstall.
 */
public class KarafIT {
  private static final String VERSION = System.getProperty("project.version");
  private static final Duration SETTLE = Duration.ofSeconds(90);
  private static final int DEFAULT_PORT = 7400;

  /** What macula-nat-node installs: the runtime and the direct, hole punch and hub relay strategies. */
  private static final Set<String> NODE = Set.of("io.macula.nat.config", "io.macula.nat.api",
      "io.macula.nat.transport", "io.macula.nat.negotiator", "io.macula.nat.hub.protocol", "io.macula.nat.peer",
      "io.macula.nat.diagnostics", "io.macula.nat.stun", "io.macula.nat.turn", "io.macula.nat.ice",
      "io.macula.nat.shell", "io.macula.nat.shell.karaf",
      "io.macula.nat.strategy.direct", "io.macula.nat.strategy.holepunch",
      "io.macula.nat.strategy.hubrelay");

  private static final Set<String> NODE_WITH_TURN = with(NODE, "io.macula.nat.strategy.turn");

  private static final Set<String> WITH_METRICS =
      with(with(NODE_WITH_TURN, "io.macula.nat.metrics"), "io.macula.nat.lib.hdrhistogram");

  private final StringBuilder transcript = new StringBuilder();

  @Test
  public void aNodeInKarafConnectsToANodeOfTheRunnableJarThroughAHub() throws Exception {
    // The features' default configuration binds the node to UDP port 7400.
    try (DatagramSocket probe = new DatagramSocket(DEFAULT_PORT)) {
      assertTrue("UDP port " + DEFAULT_PORT + " is free for the node in Karaf", probe.isBound());
    } catch (SocketException e) {
      throw new AssertionError("UDP port " + DEFAULT_PORT + ", the features' default, is taken: " + e.getMessage());
    }
    try (Mesh mesh = Mesh.start("karaf");
        KarafContainer karaf = KarafContainer.unpack("container")) {
      NodeProcess peer = mesh.node("karaf-peer", true);
      String peerId = peer.id();
      karaf.start();
      try {
        exercise(karaf, mesh, peerId);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(e.getMessage() + "\n--- karaf.log (end) ---\n" + tail(karaf.log()), e);
      } finally {
        Files.writeString(Path.of("target", "karaf", "transcript.txt"), transcript);
      }
      karaf.stop();
      assertFalse("Karaf stopped", karaf.isRunning());
    }
  }

  private void exercise(KarafContainer karaf, Mesh mesh, String peerId) throws Exception {
    ok(karaf, "feature:repo-add mvn:io.macula.nat/features/" + VERSION + "/xml/features");
    // A dry run resolves the whole node (once it stopped on "loop in missing prerequisites: [scr]").
    ok(karaf, "feature:install -t macula-nat-node");
    assertTrue("a dry run installs nothing", karaf.projectBundles().isEmpty());

    // The install must leave this very session alive: the next command of the batch still prints.
    String installed = ok(karaf, "feature:install macula-nat-node macula-nat-strategy-turn", "echo session-alive");
    assertTrue("the operator's session survived the install:\n" + installed, installed.contains("session-alive"));
    assertFalse("the install refreshed none of Karaf's bundles", karaf.log().contains("Bundles to refresh"));

    String id = Await.value("the node in Karaf has an id", () -> karaf.run("nat:id"),
        out -> out.matches("(?s)[a-z2-7]{52} \\S+:" + DEFAULT_PORT + ".*"), SETTLE).split(" ")[0];
    assertTrue("the identity lives under etc/, where the feature's default configuration puts it",
        Files.isRegularFile(karaf.etc("macula-nat-identity.pem")));

    // Without a hub there is no hub session (it needs io.macula.nat.peer): what waits for one says so
    // in words, by the names of its references.
    String waiting = ok(karaf, "bundle:diag io.macula.nat.peer io.macula.nat.strategy.holepunch");
    assertTrue(waiting, waiting.contains("io.macula.nat.peer.internal.HubStun (")
        && waiting.contains("missing references: session"));
    assertTrue(waiting, waiting.contains("io.macula.nat.strategy.holepunch.HolePunchStrategy (")
        && waiting.contains("missing references: signalling"));

    mesh.admitted(id);
    karaf.etcFile("io.macula.nat.peer.cfg", "hub = " + mesh.hubId + "@127.0.0.1:" + mesh.hubPort + "\n");
    Await.until("the node in Karaf registered with the hub", () -> karaf.run("nat:id").contains(" hub up "),
        SETTLE);
    everyProjectBundleActive(karaf, NODE_WITH_TURN);

    String strategies = ok(karaf, "nat:strategies");
    for (String s : new String[] {"direct", "holepunch", "hubrelay", "turn"}) {
      assertTrue(strategies, strategies.contains("\n" + s + " "));
    }

    // Help and completion as Karaf's own commands have them: "help nat:connect" runs "nat:connect
    // --help" and shows what it printed, "help nat:" lists the commands, and a TAB offers the
    // strategies, the nodes the hub knows, and a parameter's words. Both need the console's terminal.
    String usage = ok(karaf, "nat:connect --help");
    assertTrue(usage, usage.contains("SYNTAX\n        nat:connect node\n") && usage.contains("the node's id"));
    String misuse = karaf.run("nat:attempts " + peerId + " extra");
    assertTrue(misuse, misuse.contains("nat:attempts takes 0 or 1 arguments, not 2"));
    console(karaf, "help nat:connect\n", "connect to a node, and print every strategy's attempt", "nat:connect node");
    console(karaf, "help nat:\n", "nat:strategies | list the connection strategies installed");
    console(karaf, "nat:enable \t", "direct", "holepunch", "hubrelay", "turn");
    console(karaf, "nat:connect " + peerId.substring(0, 3) + "\t", peerId);
    console(karaf, "nat:path " + peerId + " \t", "direct", "relay");

    // A strategy goes and comes back the Karaf way.
    ok(karaf, "feature:uninstall macula-nat-strategy-turn");
    Await.until("turn is gone", () -> !karaf.run("nat:strategies").contains("\nturn "), SETTLE);
    assertFalse(karaf.projectBundles().containsKey("io.macula.nat.strategy.turn"));
    ok(karaf, "feature:install macula-nat-strategy-turn");
    Await.until("turn is back", () -> karaf.run("nat:strategies").contains("\nturn "), SETTLE);
    everyProjectBundleActive(karaf, NODE_WITH_TURN);

    // The node in Karaf reaches the node of the runnable jar; data crosses intact.
    String connect = ok(karaf, "nat:connect " + peerId);
    assertTrue(connect, connect.contains("connected to " + peerId + " by "));
    String sent = ok(karaf, "nat:send " + peerId + " 2");
    assertTrue(sent, sent.matches("(?s).*sent 2 MB over .* sha256 [0-9a-f]{64} matches.*"));

    // The metrics feature serves /metrics through Karaf's own HTTP whiteboard (pax-web), on a port
    // of the operator's choosing, and counts a connect.
    int http = KarafContainer.freeTcpPort();
    karaf.etcFile("org.ops4j.pax.web.cfg", "org.osgi.service.http.port = " + http + "\n");
    ok(karaf, "feature:install macula-nat-metrics");
    Await.until("/metrics answers in Karaf", () -> scrape(http) != null, SETTLE);
    ok(karaf, "nat:connect " + peerId);
    Await.value("/metrics shows the direct connection", () -> scrape(http),
        m -> m != null && m.sum("macula_connections", "path_kind", "direct") >= 1, SETTLE);
    everyProjectBundleActive(karaf, WITH_METRICS);
    String stats = ok(karaf, "nat:stats");
    // Its percentiles need HdrHistogram, which Micrometer loads by name: the feature must bring it.
    assertTrue(stats, stats.matches("(?s).*macula\\.connect\\.time\\s+strategy=direct\\s+count [1-9]\\d*\\s+p50 .*"));

    // Reinstalled from scratch, the node keeps its id (its key is in etc/, not in a bundle's storage)
    // and no bundle is left waiting for a refresh.
    ok(karaf, "feature:uninstall macula-nat-metrics macula-nat-strategy-turn macula-nat-node");
    Await.until("the project's bundles are gone", () -> karaf.projectBundles().isEmpty(), SETTLE);
    ok(karaf, "feature:install macula-nat-node");
    Await.until("the reinstalled node is up with its hub", () -> karaf.run("nat:id").contains(" hub up "), SETTLE);
    assertEquals("the node's id after a reinstall", id, karaf.run("nat:id").split(" ")[0]);
    everyProjectBundleActive(karaf, NODE);
    Files.writeString(Path.of("target", "karaf", "bundle-list.txt"), ok(karaf, "bundle:list"));
  }

  /** Exactly the expected project bundles, every one Active (not Waiting, not Resolved). */
  private void everyProjectBundleActive(KarafContainer karaf, Set<String> expected) {
    Map<String, String> states = Await.value("every project bundle of " + expected + " is Active",
        karaf::projectBundles,
        s -> s.keySet().equals(expected) && s.values().stream().allMatch("Active"::equals), SETTLE);
    transcript.append("project bundles: ").append(states).append('\n');
  }

  private void console(KarafContainer karaf, String keys, String... expected) {
    transcript.append("karaf@root()> ").append(keys.replace("\t", "<TAB>")).append('\n')
        .append(karaf.console(keys, expected)).append('\n');
  }

  private String ok(KarafContainer karaf, String... commands) {
    String out = karaf.ok(commands);
    transcript.append("karaf@root()> ").append(String.join("\nkaraf@root()> ", commands)).append('\n').append(out);
    return out;
  }

  private static Scrape scrape(int port) {
    try {
      return Scrape.of(port);
    } catch (IOException e) {
      return null;
    }
  }

  private static Set<String> with(Set<String> set, String one) {
    Set<String> more = new java.util.HashSet<>(set);
    more.add(one);
    return Set.copyOf(more);
  }

  private static String tail(String log) {
    return log.length() <= 20_000 ? log : log.substring(log.length() - 20_000);
  }

  static {
    try {
      Files.createDirectories(Path.of("target", "karaf"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
