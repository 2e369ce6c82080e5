package io.macula.nat.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.macula.nat.api.Negotiator;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Dictionary;
import java.util.Hashtable;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

/** The nat: commands run in the framework's Gogo shell, and through the admin socket. */
@RunWith(PaxExam.class)
public class ShellIT {
  @Inject BundleContext context;
  @Inject ConfigurationAdmin cm;
  @Inject Negotiator negotiator;
  @Inject CommandProcessor processor;

  @Configuration
  public Option[] config() {
    return options(TestRuntime.base());
  }

  @Before
  public void setUp() throws Exception {
    Fixtures fixtures = new Fixtures(context, cm);
    fixtures.strategy("alpha", 100, 2000, "network_error", "DIRECT");
    fixtures.strategy("beta", 50, 1500, "succeed", "HUB_RELAY");
    fixtures.installScriptedStrategies();
    Fixtures.awaitStrategies(negotiator, "alpha", "beta");
  }

  @Test
  public void strategiesListsSettingsAndCounters() throws Exception {
    run("nat:connect " + Fixtures.PEER);

    String out = run("nat:strategies");

    String[] lines = out.split("\n");
    assertEquals("NAME   PRIORITY  TIMEOUT_MS  ENABLED  ATTEMPTS  SUCCESSES  BUNDLE", lines[0]);
    assertTrue(out, lines[1].matches("alpha\\s+100\\s+2000\\s+true\\s+1\\s+0\\s+io.macula.nat.test.strategy"));
    assertTrue(out, lines[2].matches("beta\\s+50\\s+1500\\s+true\\s+1\\s+1\\s+io.macula.nat.test.strategy"));
  }

  @Test
  public void connectPrintsEveryAttemptAndTheWinner() throws Exception {
    String out = run("nat:connect " + Fixtures.PEER);

    assertTrue(out, out.matches("(?s)STRATEGY\\s+OUTCOME\\s+MS\\s+REASON\n"
        + "alpha\\s+network-error\\s+\\d+\\s+configured to fail\n"
        + "beta\\s+succeeded\\s+\\d+\\s*\n"
        + "connected to " + Fixtures.PEER + " by beta \\(hub-relay path\\) in \\d+ ms\n"));
  }

  @Test
  public void settingsCommandsChangeTheNextConnect() throws Exception {
    assertEquals("beta priority 200\n", run("nat:priority beta 200"));
    assertEquals("alpha disabled\n", run("nat:disable alpha"));
    assertEquals("beta timeout 700 ms\n", run("nat:timeout beta 700"));

    String out = run("nat:strategies");
    assertTrue(out, out.split("\n")[1].matches("beta\\s+200\\s+700\\s+true.*"));
    assertTrue(out, out.split("\n")[2].matches("alpha\\s+100\\s+2000\\s+false.*"));
    assertTrue(run("nat:connect " + Fixtures.PEER).startsWith("STRATEGY  OUTCOME    MS"));

    assertEquals("alpha enabled\n", run("nat:enable alpha"));
  }

  @Test
  public void attemptsListsTheNewestFirstWithReasons() throws Exception {
    run("nat:connect " + Fixtures.PEER);
    run("nat:disable beta");
    try {
      run("nat:connect " + Fixtures.PEER);
      throw new AssertionError("the connect should have failed");
    } catch (IllegalStateException e) {
      assertTrue(e.getMessage(), e.getMessage().startsWith("no strategy reached"));
    }

    String[] lines = run("nat:attempts " + Fixtures.PEER).split("\n");

    assertTrue(lines[0], lines[0].matches("CONNECT\\s+STARTED\\s+NODE\\s+STRATEGY\\s+PRIORITY\\s+OUTCOME\\s+MS\\s+PATH\\s+REASON"));
    assertTrue(lines[1], lines[1].matches("#2\\s+\\S+\\s+aaaaaaaaaa\\s+alpha\\s+100\\s+network-error\\s+\\d+\\s+-\\s+configured to fail"));
    assertTrue(lines[2], lines[2].matches("#1\\s+\\S+\\s+aaaaaaaaaa\\s+beta\\s+50\\s+succeeded\\s+\\d+\\s+hub-relay"));
    assertTrue(lines[3], lines[3].matches("#1\\s+.*alpha.*network-error.*"));
    assertEquals(4, lines.length);
    assertEquals(run("nat:attempts"), run("nat:attempts " + Fixtures.PEER));
  }

  @Test
  public void badInputGetsAOneLineErrorThatSaysWhatWasWrong() {
    assertError("nat:priority beta high", "priority must be an integer, not 'high'");
    assertError("nat:timeout beta -5", "timeout must be at least 1 ms, not -5");
    assertError("nat:timeout beta soon", "timeout must be a number of milliseconds, not 'soon'");
    assertError("nat:enable gamma", "no strategy named 'gamma'; installed: alpha, beta");
    assertError("nat:connect nobody", "not a node id: a node id has 52 characters, 'nobody' has 6");
  }

  @Test
  public void helpDescribesTheCommands() throws Exception {
    String help = run("help nat:connect");
    assertTrue(help, help.contains("connect to a node, and print every strategy's attempt"));
    assertTrue(run("help"), run("help").contains("nat:strategies"));
  }

  @Test
  public void theAdminSocketRunsOneCommandAndGivesItsExitStatus() throws Exception {
    File socket = new File("target/shell-it-admin.sock").getAbsoluteFile();
    var c = cm.getConfiguration("io.macula.nat.admin", "?");
    Dictionary<String, Object> p = new Hashtable<>();
    p.put("socket", socket.getPath());
    c.update(p);
    context.installBundle(TestRuntime.url(TestRuntime.ADMIN)).start();
    Await.until("the admin socket exists", socket::exists);

    String ok = admin(socket, "nat:strategies");
    assertTrue(ok, ok.startsWith("NAME   PRIORITY"));
    assertTrue(ok, ok.endsWith("\n%%EXIT 0\n"));

    assertEquals("ERROR: priority must be an integer, not 'x'\n%%EXIT 1\n", admin(socket, "nat:priority beta x"));
    assertTrue(admin(socket, "nat:nosuch").endsWith("%%EXIT 1\n"));
    assertEquals("ERROR: no command was sent\n%%EXIT 2\n", admin(socket, ""));
  }

  private String run(String command) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    try (CommandSession session = processor.createSession(InputStream.nullInputStream(), out, out)) {
      Object result = session.execute(command);
      if (result != null) {
        out.print(session.format(result, Converter.INSPECT));
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private void assertError(String command, String message) {
    try {
      run(command);
      throw new AssertionError(command + " should have failed");
    } catch (Exception e) {
      assertEquals(command, message, e.getMessage());
    }
  }

  private static String admin(File socket, String command) throws Exception {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket.toPath()));
      ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
      ch.shutdownOutput();
      return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
