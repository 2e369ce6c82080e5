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

  /**
   * Bytes must cross each path the connection is moved to: the hub's relay counts what it carried
   * from a to b, and once back on the direct path the relay carries (almost) nothing more while
   * the connection goes on sending. The counters are read before and after, so whatever other
   * tests relayed earlier does not matter.
   */
  @Test
  public void aPathSwitchUnderALiveTransferMovesTheBytesAndKeepsTheConnectionAndTheData() throws Exception {
    long fiveMb = 5L << 20;
    a.ok("nat:enable", "direct");
    a.ok("nat:connect", bId);
    String connection = connectionOf(a.ok("nat:send", bId, "1"));
    long sentBefore = bytesSent(a, bId);

    Process transfer = a.natAsync("nat:send", bId, "400");
    Await.until("the transfer is under way on the direct path", () -> bytesSent(a, bId) - sentBefore > fiveMb);
    long relayedBefore = relayed(aId, bId);
    a.ok("nat:path", bId, "relay");
    b.ok("nat:path", aId, "relay");
    Await.until("the relay carries 5 MB of the transfer", () -> relayed(aId, bId) - relayedBefore > fiveMb);

    a.ok("nat:path", bId, "direct");
    b.ok("nat:path", aId, "direct");
    long relayedOnSwitch = relayed(aId, bId);
    long sentOnSwitch = bytesSent(a, bId);
    Await.until("the direct path carries 5 MB more", () -> bytesSent(a, bId) - sentOnSwitch > fiveMb);
    long relayedSince = relayed(aId, bId) - relayedOnSwitch;
    assertTrue("the relay carried " + relayedSince + " bytes after the move back", relayedSince < (1L << 20));

    assertTrue("the transfer ends", transfer.waitFor(180, TimeUnit.SECONDS));
    String out = new String(transfer.getInputStream().readAllBytes());
    assertEquals(out, 0, transfer.exitValue());
    assertTrue(out, out.contains("matches"));
    assertEquals("the same QUIC connection", connection, connectionOf(out));
    assertTrue(a.ok("nat:paths").contains(connection));
  }

  /** Bytes the hub relayed from one node to another since it started (hub:relay). */
  private static long relayed(String from, String to) {
    for (String line : mesh.hub.ok("hub:relay").split("\n")) {
      String[] cells = line.trim().split("\\s+");
      if (cells.length == 5 && cells[0].equals(from.substring(0, 10)) && cells[1].equals(to.substring(0, 10))) {
        return Long.parseLong(cells[3]);
      }
    }
    return 0;
  }

  /** Bytes a node's connection to a peer has sent (nat:paths), on whatever path. */
  private static long bytesSent(NodeProcess node, String peer) {
    return node.pathsRow(peer).map(cells -> Long.parseLong(cells[cells.length - 2])).orElse(0L);
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
  public void aNodeTheHubDoesNotKnowIsRefusedByItsPeersToo() throws Exception {
    NodeProcess stranger = mesh.node("mesh-intruder", false);
    int bPort = port(b.ok("nat:id"));

    NodeProcess.Result r = stranger.nat("nat:dial", bId, "127.0.0.1:" + bPort);

    assertEquals(r.out() + r.err(), 0, r.exit()); // the handshake proves b; then b refuses
    Await.until("b refused the stranger", () -> b.ok("nat:drops").contains("not-admitted"));
    assertTrue(!b.ok("nat:peers").contains(stranger.id()));
  }

  /**
   * A node that offers to relay is in the hub's relay directory with the limits it set, as
   * reachable (on loopback it has no NAT); its operator withdraws the offer while it runs, and it
   * goes.
   */
  @Test
  public void aRelayOfferIsListedWithItsLimitsAndGoesWhenTheOperatorWithdrawsIt() throws Exception {
    NodeProcess n = NodeProcess.freshHome("mesh-relay").start();
    String id = n.id();
    mesh.admitted(id);
    String hubSetting = "hub = " + mesh.hubId + "@127.0.0.1:" + mesh.hubPort + "\n";
    n.config("io.macula.nat.peer", hubSetting);
    n.config("io.macula.nat.relay", "offers_relay = true\nrelay_max_pairs = 8\n"
        + "relay_bytes_per_second = 5000000\nrelay_packets_per_second = 4000\n");
    Await.until("the offer is listed, reachable", () -> mesh.hub.ok("hub:relays").lines()
        .anyMatch(l -> l.startsWith(id) && l.contains(" 8 ") && l.contains("5000000") && l.contains("4000")
            && l.strip().endsWith("yes")), Duration.ofSeconds(30));
    assertTrue("nodes that offer nothing are not listed",
        mesh.hub.ok("hub:relays").lines().noneMatch(l -> l.startsWith(aId) || l.startsWith(bId)));

    n.config("io.macula.nat.relay", "offers_relay = false\n");
    Await.until("the offer is withdrawn", () -> !mesh.hub.ok("hub:relays").contains(id), Duration.ofSeconds(30));
    assertTrue("the node stays registered", mesh.hub.ok("hub:nodes").contains(id));
    n.close();
  }

  /**
   * With the direct and hole punch strategies disabled, a node that offers to relay wins over the
   * hub relay: both ends link to it, it pairs them, and 5 MB cross it intact; it shows the pair
   * and what it relayed, and the hub relayed nothing of it.
   */
  @Test
  public void aNodeThatOffersToRelayCarriesTheConnectionWhenNoDirectPathIsTried() throws Exception {
    NodeProcess relay = NodeProcess.freshHome("mesh-peer-relay").start();
    try {
      String relayId = relay.id();
      mesh.admitted(relayId);
      relay.config("io.macula.nat.peer", "hub = " + mesh.hubId + "@127.0.0.1:" + mesh.hubPort + "\n");
      relay.config("io.macula.nat.relay", "offers_relay = true\n");
      Await.until("the relay is listed, reachable", () -> mesh.hub.ok("hub:relays").lines()
          .anyMatch(l -> l.startsWith(relayId) && l.strip().endsWith("yes")), Duration.ofSeconds(30));
      a.ok("nat:disable", "direct");
      a.ok("nat:disable", "holepunch");
      String connect = a.ok("nat:connect", bId);
      assertTrue(connect, connect.contains("connected to " + bId + " by peerrelay (peer-relay path)"));
      long hubRelayedBefore = relayed(aId, bId);

      String sent = a.ok("nat:send", bId, "5");
      assertTrue(sent, sent.contains("peer-relay path via relay /127.0.0.1:") && sent.contains("matches"));
      String back = b.ok("nat:send", aId, "1"); // on whatever path b had to a: its route is older
      assertTrue(back, back.contains("matches"));
      String pairs = relay.ok("nat:relay");
      assertTrue(pairs, pairs.contains("pairs        1 (0 waiting)")
          && pairs.contains(aId.substring(0, 10)) && pairs.contains(bId.substring(0, 10)));
      Matcher packets = Pattern.compile("(\\d+) packets  (\\d+) bytes").matcher(pairs);
      assertTrue(pairs, packets.find() && Long.parseLong(packets.group(2)) > (5L << 20));
      assertEquals("the hub relayed none of it", hubRelayedBefore, relayed(aId, bId));

      // nat:netcheck measures the relay over a's link to it, and the hub.
      String check = a.ok("nat:netcheck");
      assertTrue(check, Pattern.compile("(?m)^relay +" + relayId + " at 127\\.0\\.0\\.1:\\d+ \\(none\\): [0-9.]+ ms$")
          .matcher(check).find());
      assertTrue(check, Pattern.compile("(?m)^hub +" + mesh.hubId + " at 127\\.0\\.0\\.1:" + mesh.hubPort
          + ": up over udp, [0-9.]+ ms$").matcher(check).find());
      assertTrue(check, check.contains("udp          yes") && Pattern.compile("(?m)^  symmetric +direct$").matcher(check).find()
          && Pattern.compile("(?m)^  udp-blocked +hub-relay$").matcher(check).find());

      // The strategy's bundle goes and comes back while the node runs, as the others' do.
      a.ok("stop", "io.macula.nat.strategy.peerrelay");
      assertTrue(a.ok("nat:strategies"), !a.ok("nat:strategies").contains("peerrelay"));
      a.startBundle("io.macula.nat.strategy.peerrelay");
      Await.until("peerrelay is listed again", () -> a.ok("nat:strategies").contains("peerrelay"));
    } finally {
      a.ok("nat:enable", "direct");
      a.ok("nat:enable", "holepunch");
      relay.close();
    }
  }

  /** A node whose key was replaced comes back from the same address with a new id: the hub takes it. */
  @Test
  public void aNodeWithANewIdentityRegistersAgainFromTheSameAddress() throws Exception {
    int port = Mesh.freeUdpPort();
    NodeProcess n = NodeProcess.freshHome("mesh-reborn")
        .config("io.macula.nat.endpoint", "bind = 127.0.0.1:" + port + "\n").start();
    String first = n.id();
    mesh.admitted(first);
    n.config("io.macula.nat.peer", "hub = " + mesh.hubId + "@127.0.0.1:" + mesh.hubPort + "\n");
    Await.until("it registered", () -> mesh.hub.ok("hub:nodes").contains(first), Duration.ofSeconds(30));

    n.stop();
    try (var files = java.nio.file.Files.walk(n.home().resolve("data"))) {
      for (java.nio.file.Path key : files.filter(p -> p.getFileName().toString().equals("identity.pem")).toList()) {
        java.nio.file.Files.delete(key); // the operator starts the node afresh, as another node
      }
    }
    n.start();
    String second = n.id();
    assertTrue(!second.equals(first));
    mesh.admitted(second);

    Await.until("the new id registered from the same address",
        () -> mesh.hub.ok("hub:nodes").contains(second), Duration.ofSeconds(30));
    assertTrue(mesh.hub.ok("hub:nodes").contains("127.0.0.1:" + port));
    Await.until("the old id is gone", () -> !mesh.hub.ok("hub:nodes").contains(first), Duration.ofSeconds(30));
    n.close();
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

  static String sha256Of(String sent) {
    Matcher m = Pattern.compile("sha256 ([0-9a-f]{64})").matcher(sent);
    assertTrue(sent, m.find());
    return m.group(1);
  }
}
