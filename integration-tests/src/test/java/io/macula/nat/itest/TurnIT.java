package io.macula.nat.itest;

import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import io.macula.nat.testing.Coturn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Two nodes whose only way is a TURN server: the one connected to holds a relayed address on it,
 * and the connecting one's QUIC talks to that address. Once through coturn, once through this
 * project's own TURN server, each a process of its own on loopback.
 */
public class TurnIT {
  private static final String ALICE = "username = alice\ncredential = wonderland\n";
  private static Mesh mesh;
  private static Coturn coturn;
  private static int coturnTls;
  private static Path cert;
  private static Process ours;
  private static int oursPort;
  private static NodeProcess a;
  private static String aId;

  @BeforeClass
  public static void start() throws Exception {
    boolean installed = Files.isExecutable(Coturn.TURNSERVER);
    if (!installed && "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("coturn is not installed (apt-get install coturn): CI must run the TURN tests");
    }
    Assume.assumeTrue("coturn is not installed (apt-get install coturn)", installed);
    Path dir = Files.createDirectories(Path.of("target", "turn-it"));
    // A certificate for 127.0.0.1, for coturn's TLS: the nodes that use turns: trust it.
    cert = dir.resolve("cert.pem").toAbsolutePath();
    Path key = dir.resolve("key.pem");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
    openssl.getInputStream().readAllBytes();
    if (openssl.waitFor() != 0) {
      throw new AssertionError("openssl made no certificate");
    }
    int coturnPort = Coturn.freePortPair();
    do {
      coturnTls = Coturn.freePortPair();
    } while (Math.abs(coturnTls - coturnPort) < 2);
    coturn = Coturn.start(dir.resolve("coturn"), coturnPort, "--realm=macula", "--lt-cred-mech",
        "--user=alice:wonderland", "--allow-loopback-peers", "--relay-ip=127.0.0.1", "--no-tcp-relay",
        "--cert=" + cert, "--pkey=" + key, "--tls-listening-port=" + coturnTls);
    oursPort = Mesh.freeUdpPort();
    ours = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.macula.nat.turn.internal.StandaloneTurnServer",
        "--listen", "127.0.0.1:" + oursPort, "--user", "alice:wonderland", "--allow-peers", "127.0.0.0/8")
        .redirectErrorStream(true).redirectOutput(dir.resolve("ours.out").toFile()).start();
    Path out = dir.resolve("ours.out");
    Await.until("our TURN server listens", () -> {
      try {
        return Files.readString(out).contains("listening");
      } catch (java.io.IOException e) {
        return false;
      }
    }, Duration.ofSeconds(30));

    mesh = Mesh.start("turn");
    a = mesh.node("turn-a", true);
    aId = a.id();
    // Only TURN (and the hub relay, last) may connect them.
    a.ok("nat:disable", "direct");
    a.ok("nat:disable", "holepunch");
  }

  @AfterClass
  public static void stop() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    if (coturn != null) {
      coturn.close();
    }
    if (ours != null) {
      ours.destroy();
      ours.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  public void throughCoturnOverUdpDataCrossesBothWaysIntact() throws Exception {
    connectsByTurnThrough("turn-coturn-udp", coturn.port, "udp");
  }

  @Test
  public void throughOurOwnServerOverUdpDataCrossesBothWaysIntact() throws Exception {
    connectsByTurnThrough("turn-ours-udp", oursPort, "udp");
  }

  /** The peer's TURN client over TCP to the server (as where UDP is blocked); the relay to its peers over UDP. */
  @Test
  public void throughCoturnOverTcpDataCrossesBothWaysIntact() throws Exception {
    connectsByTurnThrough("turn-coturn-tcp", coturn.port, "tcp");
  }

  /** turns: the peer's TURN client over TLS (as where only HTTPS gets out), coturn's certificate trusted. */
  @Test
  public void throughCoturnOverTlsDataCrossesBothWaysIntact() throws Exception {
    connectsByTurnThrough("turn-coturn-tls", "turns:127.0.0.1:" + coturnTls, "trust = " + cert + "\n", coturnTls,
        "tls");
  }

  @Test
  public void throughOurOwnServerOverTcpDataCrossesBothWaysIntact() throws Exception {
    connectsByTurnThrough("turn-ours-tcp", oursPort, "tcp");
  }

  @Test
  public void refusedCredentialsAreNamedAndTheHubRelayWins() throws Exception {
    NodeProcess b = mesh.node("turn-refused", "io.macula.nat.turn", "turn_servers = turn:127.0.0.1:" + coturn.port
        + "\nusername = alice\ncredential = not-the-password\n");
    String connect = a.ok("nat:connect", b.id());
    assertTrue(connect, connect.contains("by hubrelay (hub-relay path)"));
    assertTrue(connect, connect.matches("(?s).*turn .*refused the credentials of alice.*"));
  }

  /**
   * A fresh node holds a relayed address on the server on {@code port}; the first connect to it
   * wins by TURN, and data crosses both ways intact over the relay.
   */
  private static void connectsByTurnThrough(String name, int port, String transport) throws Exception {
    connectsByTurnThrough(name, "turn:127.0.0.1:" + port + "?transport=" + transport, "", port, transport);
  }

  private static void connectsByTurnThrough(String name, String uri, String more, int port, String transport)
      throws Exception {
    NodeProcess b = mesh.node(name, "io.macula.nat.turn", "turn_servers = " + uri + "\n" + ALICE + more);
    String bId = b.id();
    String connect = a.ok("nat:connect", bId);
    assertTrue(connect, connect.contains("by turn (turn path)"));

    String sent = a.ok("nat:send", bId, "5");
    Matcher via = Pattern.compile("turn path via /?127\\.0\\.0\\.1:(\\d+).*matches").matcher(sent);
    assertTrue(sent, via.find());
    // a sends to the address b holds on the server, not to b's socket.
    Matcher bound = Pattern.compile("127\\.0\\.0\\.1:(\\d+)").matcher(b.ok("nat:id"));
    assertTrue(bound.find());
    assertNotEquals(bound.group(1), via.group(1));
    String held = b.ok("nat:turn");
    assertTrue(held, held.contains("relayed 127.0.0.1:" + via.group(1) + " on 127.0.0.1:" + port + " over " + transport));
    assertTrue(b.ok("nat:received").contains(MeshIT.sha256Of(sent)));
    // And back: b sends through its own TURN client to a's address, as the server sees it.
    String back = b.ok("nat:send", aId, "2");
    assertTrue(back, back.matches("(?s).*turn path via turn 127\\.0\\.0\\.1:" + port + "/" + transport
        + " relayed 127\\.0\\.0\\.1:" + via.group(1) + " to .*matches.*"));
  }
}
