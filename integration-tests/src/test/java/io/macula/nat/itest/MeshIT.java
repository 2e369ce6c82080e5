package io.macula.nat.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * A hub and two nodes, each its own process on loopback: they connect directly and over the
 * hub's relay, carry data intact, switch paths under a live transfer, refuse whom they should, and
 * shrug off garbage.
 */
public class MeshIT {
  private static final int MB = 50;
  private static Mesh mesh;
  private static NodeProcess a;
  private static NodeProcess b;
  private static String aId;
  private static String bId;

  @BeforeClass
  public static void startMesh() throws Exception {
    mesh = Mesh.start("mesh");
    a = mesh.node("mesh-a", true);
    b = mesh.node("mesh-b", true);
    aId = a.id();
    bId = b.id();
  }

  @AfterClass
  public static void stopMesh() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  public void directWinsAndCarriesFiftyMegabytesIntact() {
    a.ok("nat:enable", "direct");
    String connect = a.ok("nat:connect", bId);
    assertTrue(connect, connect.contains("connected to " + bId + " by direct (direct path)"));

    String sent = a.ok("nat:send", bId, String.valueOf(MB));
    assertTrue(sent, sent.matches("(?s)sent 50 MB over connection #\\d+, direct path via .* sha256 [0-9a-f]{64} matches\n"));
    assertTrue(b.ok("nat:received").contains(sha256Of(sent)));
  }

  @Test
  public void withDirectDisabledIceChecksFindThePeerAndDataCrosses() {
    try {
      a.ok("nat:disable", "direct");
      String connect = a.ok("nat:connect", bId);
      assertTrue(connect, connect.contains("connected to " + bId + " by holepunch"));
      String ice = a.ok("nat:ice");
      assertTrue(ice, ice.contains("controlling  selected"));
      assertTrue(b.ok("nat:ice").contains("controlled  selected"));
      String sent = a.ok("nat:send", bId, "5");
      assertTrue(sent, sent.contains("matches"));
    } finally {
      a.ok("nat:enable", "direct");
    }
  }

  @Test
  public void withDirectAndHolePunchDisabledTheHubRelaysFiftyMegabytesIntact() {
    try {
      a.ok("nat:disable", "direct");
      a.ok("nat:disable", "holepunch");
      String connect = a.ok("nat:connect", bId);
      assertTrue(connect, connect.contains("connected to " + bId + " by hubrelay (hub-relay path)"));

      String sent = a.ok("nat:send", bId, String.valueOf(MB));
      assertTrue(sent, sent.contains("hub-relay path via relay /127.0.0.1:" + mesh.hubPort));
      assertTrue(b.ok("nat:received").contains(sha256Of(sent)));
      String relay = mesh.hub.ok("hub:relay");
      assertTrue(relay, relay.contains(aId.substring(0, 10) + "  " + bId.substring(0, 10)));
    } finally {
      a.ok("nat:enable", "direct");
      a.ok("nat:enable", "holepunch");
    }
  }

  @Test
  public void aPathSwitchUnderALiveTransferKeepsTheConnectionAndTheData() throws Exception {
    a.ok("nat:enable", "direct");
    a.ok("nat:connect", bId);
    String connection = connectionOf(a.ok("nat:send", bId, "1"));

    Process transfer = a.natAsync("nat:send", bId, String.valueOf(MB));
    Await.until("the transfer is under way", () -> b.ok("nat:paths").contains("direct"));
    a.ok("nat:path", bId, "relay");
    b.ok("nat:path", aId, "relay");
    Await.until("the relay carries the transfer", () -> mesh.hub.ok("hub:relay").contains(aId.substring(0, 10)));
    a.ok("nat:path", bId, "direct");
    b.ok("nat:path", aId, "direct");

    assertTrue("the transfer ends", transfer.waitFor(120, TimeUnit.SECONDS));
    String out = new String(transfer.getInputStream().readAllBytes());
    assertEquals(out, 0, transfer.exitValue());
    assertTrue(out, out.contains("matches"));
    assertEquals("the same QUIC connection", connection, connectionOf(out));
    assertTrue(a.ok("nat:paths").contains(connection));
  }

  @Test
  public void theHubForwardsSignalsNamingTheirSender() {
    a.ok("nat:signal", bId, "candidates 10.0.0.1:4433");
    Await.until("b received it", () -> b.ok("nat:signals").contains("candidates 10.0.0.1:4433"));
    String row = java.util.Arrays.stream(b.ok("nat:signals").split("\n"))
        .filter(l -> l.contains("candidates")).findFirst().orElseThrow();
    assertTrue("the hub names a as the sender: " + row, row.contains(aId));
  }

  @Test
  public void aNodeTheHubDoesNotKnowIsRefused() throws Exception {
    NodeProcess stranger = mesh.node("mesh-stranger", false);
    Await.until("the hub refuses it", () -> mesh.hub.log().contains("refused node " + stranger.id()));
    assertTrue(stranger.ok("nat:id").contains("hub down"));
    assertTrue(!mesh.hub.ok("hub:nodes").contains(stranger.id()));
  }

  @Test
  public void aPeerPresentingAnotherIdIsRefused() {
    // The hub's address answers with the hub's identity, not b's.
    NodeProcess.Result r = a.nat("nat:dial", bId, "127.0.0.1:" + mesh.hubPort);
    assertEquals(r.out() + r.err(), 1, r.exit());
    assertTrue(r.err(), r.err().contains("is " + mesh.hubId + ", not " + bId));
  }

  @Test
  public void garbageAtTheSocketsIsDroppedAndCountedWhileTheNodesServe() throws Exception {
    a.ok("nat:connect", bId);
    int bPort = port(b.ok("nat:id"));
    Random random = new Random(11);
    int count = 100_000;
    try (DatagramSocket noise = new DatagramSocket()) {
      InetAddress lo = InetAddress.getLoopbackAddress();
      Process transfer = a.natAsync("nat:send", bId, "20");
      for (int i = 0; i < count; i++) {
        byte[] d = new byte[random.nextInt(1400)];
        random.nextBytes(d);
        noise.send(new DatagramPacket(d, d.length, lo, i % 2 == 0 ? bPort : mesh.hubPort));
        if (i % 500 == 0) {
          Thread.sleep(1);
        }
      }
      assertTrue(transfer.waitFor(120, TimeUnit.SECONDS));
      String out = new String(transfer.getInputStream().readAllBytes());
      assertTrue(out, out.contains("matches"));
    }
    Await.until("b counted most of its garbage", () -> total(b.ok("nat:drops")) > count / 2 * 0.9,
        Duration.ofSeconds(30));
    Await.until("the hub counted most of its garbage", () -> total(mesh.hub.ok("nat:drops")) > count / 2 * 0.9,
        Duration.ofSeconds(30));
    assertTrue(b.ok("nat:ping", aId, "3").contains("3 probes"));
  }

  private static long total(String drops) {
    long sum = 0;
    for (String line : drops.split("\n")) {
      String[] cells = line.trim().split("\\s+");
      if (cells.length == 2 && cells[1].matches("\\d+")) {
        sum += Long.parseLong(cells[1]);
      }
    }
    return sum;
  }

  private static int port(String id) {
    Matcher m = Pattern.compile(":(\\d+)").matcher(id);
    assertTrue(id, m.find());
    return Integer.parseInt(m.group(1));
  }

  private static String connectionOf(String sent) {
    Matcher m = Pattern.compile("over connection (#\\d+),").matcher(sent);
    assertTrue(sent, m.find());
    return m.group(1);
  }

  private static String sha256Of(String sent) {
    Matcher m = Pattern.compile("sha256 ([0-9a-f]{64})").matcher(sent);
    assertTrue(sent, m.find());
    return m.group(1);
  }
}
