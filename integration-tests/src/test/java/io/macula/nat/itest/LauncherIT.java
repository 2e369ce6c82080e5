package io.macula.nat.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** The runnable node: started with java -jar, driven by a script and interactively, restarted. */
public class LauncherIT {
  @Test
  public void aScriptRunsCommandsAgainstARunningNodeAndGetsTheirStatus() throws Exception {
    try (NodeProcess node = NodeProcess.freshHome("script").start()) {
      NodeProcess.Result ok = node.script("nat:strategies");
      assertEquals(ok.err(), 0, ok.exit());
      assertTrue(ok.out(), ok.out().split("\n")[1].matches("direct\\s+100\\s+2000\\s+true\\s+0\\s+0\\s+io.macula.nat.strategy.direct"));

      NodeProcess.Result bad = node.script("nat:enable", "nosuch");
      assertEquals(1, bad.exit());
      assertEquals("ERROR: no strategy named 'nosuch'; installed: direct, turn, peerrelay\n", bad.err());

      NodeProcess.Result usage = node.script("nat:priority", "nosuch", "high");
      assertEquals("ERROR: priority must be an integer, not 'high'\n", usage.err());

      assertEquals("the node keeps running", 0, node.script("nat:strategies").exit());
      node.stop();
      NodeProcess.Result none = node.script("nat:strategies");
      assertEquals(3, none.exit());
      assertTrue(none.err(), none.err().startsWith("no node answered on "));
      assertFalse(node.log(), node.log().contains(" ERROR "));
    }
  }

  /**
   * Clients that connect to the admin socket and say nothing hold a worker for a few seconds at
   * most, a client refused meanwhile is told so (exit 2), and a command the parser recurses on
   * fails alone: the next command still runs.
   */
  @Test
  public void idleAndHostileAdminClientsDoNotLockTheOperatorOut() throws Exception {
    try (NodeProcess node = NodeProcess.freshHome("admin-hostile").start()) {
      var address = java.net.UnixDomainSocketAddress.of(node.home().resolve("admin.sock"));
      java.util.List<java.nio.channels.SocketChannel> idle = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          idle.add(java.nio.channels.SocketChannel.open(address));
        }
        NodeProcess.Result busy = node.script("nat:id");
        assertEquals(busy.out() + busy.err(), 2, busy.exit());
        assertTrue(busy.err(), busy.err().contains("busy"));
        Await.until("the idle clients are dropped and nat:id runs", () -> node.script("nat:id").exit() == 0,
            java.time.Duration.ofSeconds(20));
      } finally {
        for (var c : idle) {
          c.close();
        }
      }
      NodeProcess.Result deep = node.script("[".repeat(20_000));
      assertEquals(deep.out() + deep.err(), 1, deep.exit());
      assertTrue(deep.err(), deep.err().startsWith("ERROR"));
      assertEquals(0, node.script("nat:id").exit());
    }
  }

  @Test
  public void aChangeMadeFromTheShellSurvivesARestart() throws Exception {
    try (NodeProcess node = NodeProcess.freshHome("restart").start()) {
      // An operator adds a strategy bundle and its configuration file while the node runs.
      Files.writeString(
          node.home().resolve("conf/io.macula.nat.test.scripted-alpha.cfg"),
          "name = alpha\npriority = 30\noutcome = succeed\n");
      String url = Path.of(TestRuntime.url(TestRuntime.FIXTURE_STRATEGY).substring(5)).toUri().toString();
      assertEquals(0, node.script("start", url).exit());
      Await.until("alpha is listed", () -> node.script("nat:strategies").out().contains("\nalpha "));
      assertTrue(row(node, "alpha").matches("alpha\\s+30\\s.*"));

      assertEquals(0, node.script("nat:priority", "alpha", "7").exit());
      node.stop();
      node.start();

      Await.until("alpha is back", () -> node.script("nat:strategies").out().contains("\nalpha "));
      String row = row(node, "alpha");
      assertTrue(row, row.matches("alpha\\s+7\\s+1000\\s+true\\s.*"));
      assertTrue(node.log(), node.log().contains("connection strategy alpha is available"));
    }
  }

  @Test
  public void theInteractiveShellRunsCommandsFromItsInput() throws Exception {
    NodeProcess home = NodeProcess.freshHome("interactive");
    Process p =
        new ProcessBuilder("java", "-jar", "macula-node.jar")
            .directory(home.home().toFile())
            .redirectErrorStream(true)
            .start();
    try {
      // Type only once the node is up, as a person at the terminal would.
      Await.until("the node answers, its strategies installed",
          () -> home.nat("nat:strategies").out().contains("io.macula.nat.strategy.direct"), java.time.Duration.ofSeconds(60));
      try (OutputStream in = p.getOutputStream()) {
        in.write("nat:strategies\nhelp nat:strategies\n".getBytes(StandardCharsets.UTF_8));
      }
      // At the end of its input, the shell stops the node.
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue("the node exits at the end of its input", p.waitFor(60, TimeUnit.SECONDS));
      assertTrue(out, out.contains("io.macula.nat.strategy.direct"));
      assertTrue(out, out.contains("list the connection strategies installed"));
    } finally {
      p.destroyForcibly();
    }
  }

  private static String row(NodeProcess node, String strategy) {
    return java.util.Arrays.stream(node.script("nat:strategies").out().split("\n"))
        .filter(l -> l.startsWith(strategy + " ")).findFirst().orElse("(no row for " + strategy + ")");
  }

  @Test
  public void theConsoleLogLevelComesFromTheConfFolder() throws Exception {
    String started = "admin socket listening on";
    try (NodeProcess node = NodeProcess.freshHome("loglevel").start()) {
      Await.until("the INFO line is logged", () -> node.log().contains(started));
    }
    NodeProcess quiet = NodeProcess.freshHome("loglevel-warn");
    Path logback = quiet.home().resolve("conf/logback.xml");
    Files.writeString(logback, Files.readString(logback)
        .replace("<logger name=\"io.macula.nat\" level=\"INFO\"/>", "<logger name=\"io.macula.nat\" level=\"WARN\"/>"));
    try (NodeProcess node = quiet.start()) {
      assertFalse(node.log(), node.log().contains(started));
    }
  }
}
