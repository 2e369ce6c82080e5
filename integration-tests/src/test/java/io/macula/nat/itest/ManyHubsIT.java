package io.macula.nat.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.After;
import org.junit.Test;

/**
 * Three hubs on one directory in a real three-member ZooKeeper ensemble: each lists the others
 * and every node with its home hub; nodes homed at two hubs connect by every strategy, their
 * signals forwarded from hub to hub, their packets passed from hub to hub on the hub relay and
 * through a relay homed at the third hub; the directory outlives a member killed with
 * SIGKILL, and a hub that dies leaves the list.
 */
public class ManyHubsIT {
  private final List<AutoCloseable> running = new ArrayList<>();

  @After
  public void stop() throws Exception {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
  }

  @Test
  public void threeHubsShareTheDirectoryNodesConnectAcrossThemAndTheMeshOutlivesAMemberAndAHub()
      throws Exception {
    ZooKeeperEnsemble zk = ZooKeeperEnsemble.start("mesh", 3);
    running.add(zk);
    List<NodeProcess> hubs = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int port = Mesh.freeUdpPort();
      // Each hub runs a TURN server, whose credentials it hands its own nodes.
      NodeProcess hub = NodeProcess.freshHome("directory-hub" + i)
          .config("io.macula.nat.endpoint", "bind = 127.0.0.1:" + port + "\n")
          .config("io.macula.nat.hub", "admission = allowlist\nzookeeper = " + zk.connectString() + "\n")
          .config("io.macula.nat.turn.server", "listen = 127.0.0.1:" + Mesh.freeUdpPort()
              + "\nallow_peers = 127.0.0.0/8\n")
          .start();
      running.add(hub);
      hubs.add(hub);
      ports.add(port);
    }
    for (NodeProcess hub : hubs) {
      Await.until("each hub lists the three", () -> rows(hub.ok("hub:hubs")) == 3, Duration.ofSeconds(60));
    }
    String hubsAt2 = hubs.get(2).ok("hub:hubs");
    assertTrue(hubsAt2, hubsAt2.contains("directory: " + zk.connectString() + ", connected"));
    for (int i = 0; i < 3; i++) {
      assertEquals(hubsAt2, "127.0.0.1:" + ports.get(i), hubRow(hubsAt2, hubs.get(i).id())[1]);
    }

    // Admitted once, at hub 2, for the whole mesh: no hub's own configuration allows them.
    NodeProcess a = node("directory-a", hubs.get(0), ports.get(0), hubs.get(2));
    NodeProcess b = node("directory-b", hubs.get(1), ports.get(1), hubs.get(2));
    String aId = a.id();
    String bId = b.id();
    String allowedAt0 = hubs.get(0).ok("hub:allowed");
    assertTrue(allowedAt0, allowedAt0.contains(aId) && allowedAt0.contains(bId));
    Await.until("hub 2 lists a homed at hub 0 and b at hub 1", () -> {
      String nodes = hubs.get(2).ok("hub:nodes");
      return homedAt(nodes, aId, hubs.get(0).id()) && homedAt(nodes, bId, hubs.get(1).id());
    }, Duration.ofSeconds(30));
    Await.until("hub 0 lists a homed at itself and b at hub 1", () -> {
      String nodes = hubs.get(0).ok("hub:nodes");
      return homedAt(nodes, aId, "this hub") && homedAt(nodes, bId, hubs.get(1).id());
    }, Duration.ofSeconds(30));
    Await.until("hub 2 sees hub 0 hold one node", () -> hubRow(hubs.get(2).ok("hub:hubs"), hubs.get(0).id())[2]
        .equals("1"), Duration.ofSeconds(30));

    // a, homed at hub 0, reaches b at hub 1: a lookup hub 0 answers from the directory.
    connects(a, bId, "direct");
    // ICE: offers, answers and candidates cross from hub to hub.
    a.ok("nat:disable", "direct");
    connects(a, bId, "holepunch");
    // TURN: b's relayed address, asked for across the hubs, allocated on its own hub's server.
    a.ok("nat:disable", "holepunch");
    String turn = connects(a, bId, "turn");
    assertTrue(turn, turn.contains("(turn path)"));
    // The hub relay: hub 0 passes a's packets to hub 1, which holds b, and back.
    a.ok("nat:disable", "turn");
    connects(a, bId, "hubrelay");
    String overHubs = a.ok("nat:send", bId, "5");
    assertTrue(overHubs, overHubs.contains("hub-relay path") && overHubs.contains("matches"));
    String passedAt1 = hubs.get(1).ok("hub:relay");
    assertTrue("hub 1 took a's 5 MB from hub 0 for b:\n" + passedAt1, relayedBytes(passedAt1, aId, bId) > 5L << 20);
    // A node that relays, homed at hub 2, pairs a (hub 0) and b (hub 1): every hub lists it.
    NodeProcess relay = node("directory-relay", hubs.get(2), ports.get(2), hubs.get(2));
    String relayId = relay.id();
    relay.config("io.macula.nat.relay", "offers_relay = true\n");
    Await.until("hub 2 lists the relay, reachable", () -> hubs.get(2).ok("hub:relays").lines()
        .anyMatch(l -> l.startsWith(relayId) && l.strip().endsWith("yes")), Duration.ofSeconds(30));
    String nat = hubs.get(2).ok("hub:relays").lines().filter(l -> l.startsWith(relayId)).findFirst()
        .map(l -> l.split("\\s+")[2]).orElseThrow();
    for (NodeProcess hub : List.of(hubs.get(0), hubs.get(1))) {
      Await.until("another hub has the relay's offer and NAT", () -> hub.ok("hub:nodes").lines()
          .map(l -> l.split("\\s+")).anyMatch(cells -> cells[0].equals(relayId) && cells[4].equals(nat)
              && cells[5].equals("yes")), Duration.ofSeconds(30));
    }
    Await.value("a's hub lists the relay to a", () -> a.ok("nat:peers"), peers -> peers.lines()
        .map(l -> l.split("\\s+")).anyMatch(cells -> cells[0].equals(relayId) && cells[3].equals("yes")),
        Duration.ofSeconds(30));
    // a's peer relay strategy reads the relay list it asked for within the last 3 s (its path
    // policy asks too, for the connection on the hub relay): a connect before the list it reads
    // names the relay goes by the hub relay.
    Await.value("a connects to b through the relay", () -> a.ok("nat:connect", bId),
        connect -> connect.contains("connected to " + bId + " by peerrelay"), Duration.ofSeconds(15));
    String overRelay = a.ok("nat:send", bId, "5");
    assertTrue(overRelay, overRelay.contains("peer-relay path via relay") && overRelay.contains("matches"));
    for (String s : List.of("direct", "holepunch", "turn")) {
      a.ok("nat:enable", s);
    }
    connects(a, bId, "direct");

    // The leader dies: the other two elect another, and the hubs go on writing.
    int leader = -1;
    for (int i = 0; i < 3; i++) {
      leader = zk.mode(i).equals("leader") ? i : leader;
    }
    assertTrue("one member leads:\n" + zk.logs(), leader >= 0);
    zk.kill(leader);
    NodeProcess c = node("directory-c", hubs.get(2), ports.get(2), hubs.get(0));
    String cId = c.id();
    Await.until("hub 0 lists c, homed at hub 2, with one member down", () -> homedAt(hubs.get(0).ok("hub:nodes"),
        cId, hubs.get(2).id()), Duration.ofSeconds(60));

    // Hub 1 dies mid-transfer: b moves to another hub within 10 s (it learnt the mesh's hubs from
    // hub 1), and the transfer, on the direct path a's first connect made, completes intact.
    String hub1 = hubs.get(1).id();
    // Before the transfer, which lasts a few seconds only: each node stands by at another hub (the
    // first the directory names: none is configured here), a connection up, to register on when its
    // hub fails; b is homed at hub 1.
    Await.until("a, b, c and the relay stand by, as the hubs count them", () -> standingBy(hubs) == 4,
        Duration.ofSeconds(30));
    String before = b.ok("nat:id");
    assertTrue(before, before.contains("home hub " + hub1.substring(0, 10)));
    Matcher standbyOfB = Pattern.compile("standing by at ([a-z2-7]{10})").matcher(before);
    assertTrue(before, standbyOfB.find());
    assertTrue("b stands by at a hub other than its home", !standbyOfB.group(1).equals(hub1.substring(0, 10)));
    assertEquals("no hub went silent to another while all served", 0,
        hubs.stream().mapToLong(h -> counter(h, "silent-hubs")).sum());
    long sentBefore = bytesSent(a, bId);
    long receivedBefore = bytesReceived(b, aId);
    java.util.concurrent.CompletableFuture<NodeProcess.Result> transfer =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> a.nat("nat:send", bId, "300"));
    Await.until("the transfer is under way", () -> {
      if (transfer.isDone()) {
        throw new AssertionError("the transfer ended before the hub was killed: " + transfer.join());
      }
      return bytesSent(a, bId) - sentBefore > 5_000_000 || bytesReceived(b, aId) - receivedBefore > 5_000_000;
    }, Duration.ofSeconds(30));
    hubs.get(1).kill();
    long killed = System.nanoTime();
    // The other two hubs hear nothing more on their links to it, before its ZooKeeper session expires.
    Await.until("hubs 0 and 2 heard hub 1 go silent", () -> counter(hubs.get(0), "silent-hubs") == 1
        && counter(hubs.get(2), "silent-hubs") == 1, Duration.ofSeconds(10));
    long silentMs = Duration.ofNanos(System.nanoTime() - killed).toMillis();
    System.out.println("hubs 0 and 2 heard hub 1 go silent " + silentMs + " ms after it was killed");
    Await.until("b registered with hub 0 or hub 2", () -> homedAt(hubs.get(0).ok("hub:nodes"), bId, "this hub")
        || homedAt(hubs.get(2).ok("hub:nodes"), bId, "this hub"), Duration.ofSeconds(30));
    long rehomedMs = Duration.ofNanos(System.nanoTime() - killed).toMillis();
    System.out.println("b re-homed " + rehomedMs + " ms after its hub was killed");
    assertTrue("b re-homed " + rehomedMs + " ms after its hub died", rehomedMs < 10_000);
    NodeProcess.Result result = transfer.get(120, java.util.concurrent.TimeUnit.SECONDS);
    long ended = System.nanoTime();
    String sent = result.out() + result.err();
    assertTrue(sent, sent.contains("sent 300 MB") && sent.contains("matches"));
    // It ran from (its end less the time it says it took) to its end: the kill fell within.
    Matcher took = Pattern.compile(" in ([0-9.]+) s").matcher(sent);
    assertTrue(sent, took.find());
    long transferStarted = ended - (long) (Double.parseDouble(took.group(1)) * 1e9);
    assertTrue("the hub was killed during the transfer: " + sent, transferStarted < killed && killed < ended);
    String idOfB = b.ok("nat:id");
    assertTrue(idOfB, idOfB.contains("hub up") && !idOfB.contains("home hub " + hub1.substring(0, 10)));
    assertTrue(idOfB, idOfB.contains("home hub " + standbyOfB.group(1)) && idOfB.contains("stood by"));

    // Its entry went with its ZooKeeper session; a reaches b at its new home by hole punching.
    Await.until("hub 0 lists two hubs", () -> rows(hubs.get(0).ok("hub:hubs")) == 2, Duration.ofSeconds(30));
    String hubsAt0 = hubs.get(0).ok("hub:hubs");
    assertTrue(hubsAt0, hubsAt0.contains(", connected\n"));
    a.ok("nat:disable", "direct");
    connects(a, bId, "holepunch");
    a.ok("nat:enable", "direct");
  }

  /** A counter of a hub's mesh, as hub:hubs shows it; 0 if it shows none of that name. */
  private static long counter(NodeProcess hub, String name) {
    Matcher m = Pattern.compile(" " + name + "=([0-9]+)").matcher(hub.ok("hub:hubs"));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** The nodes standing by at the hubs, as their counters say. */
  private static long standingBy(List<NodeProcess> hubs) {
    return hubs.stream().mapToLong(h -> counter(h, "standing-by")).sum();
  }

  /** The bytes of the flow from one node to another in hub:relay's table (ids shown short); 0 if none. */
  private static long relayedBytes(String relay, String from, String to) {
    return relay.lines().filter(l -> l.startsWith(from.substring(0, 10)) && l.contains(" " + to.substring(0, 10) + " "))
        .map(l -> Long.parseLong(l.strip().split("\\s+")[3])).findFirst().orElse(0L);
  }

  private static long bytesSent(NodeProcess node, String peer) {
    return node.pathsRow(peer).map(cells -> Long.parseLong(cells[cells.length - 2])).orElse(0L);
  }

  private static long bytesReceived(NodeProcess node, String peer) {
    return node.pathsRow(peer).map(cells -> Long.parseLong(cells[cells.length - 1])).orElse(0L);
  }

  /** Connects anew by the strategy named; returns nat:connect's words. */
  private static String connects(NodeProcess from, String to, String strategy) {
    String connect = from.ok("nat:connect", to);
    assertTrue(connect, connect.contains("connected to " + to + " by " + strategy));
    return connect;
  }

  /** Starts a node, admits it at {@code admitter} and gives it its hub; waits until the hub holds it. */
  private NodeProcess node(String name, NodeProcess hub, int port, NodeProcess admitter) throws IOException {
    NodeProcess n = NodeProcess.freshHome(name).config("io.macula.nat.endpoint", "bind = 127.0.0.1:0\n").start();
    running.add(n);
    String id = n.id();
    String allowed = admitter.ok("hub:allow", id);
    assertTrue(allowed, allowed.contains("admitted at every hub"));
    n.config("io.macula.nat.peer", "hub = " + hub.id() + "@127.0.0.1:" + port + "\n");
    Await.until(name + " registered", () -> homedAt(hub.ok("hub:nodes"), id, "this hub"), Duration.ofSeconds(30));
    return n;
  }

  /** Whether hub:nodes shows the node with that home ("this hub", or a hub's id, shown short). */
  private static boolean homedAt(String nodes, String node, String home) {
    String shown = home.equals("this hub") ? home : home.substring(0, 10);
    return nodes.lines().anyMatch(l -> l.startsWith(node + " ") && l.contains(" " + shown + " "));
  }

  /** The cells of a hub's row in hub:hubs: id, address, nodes, since, whether it is the hub asked. */
  private static String[] hubRow(String hubs, String id) {
    return hubs.lines().filter(l -> l.startsWith(id + " ")).findFirst().map(l -> l.split("\\s+"))
        .orElseThrow(() -> new AssertionError("hub " + id + " is not listed:\n" + hubs));
  }

  /** The rows of hub:hubs' table: its lines but the directory's and the header. */
  private static long rows(String hubs) {
    return hubs.lines().filter(l -> !l.startsWith("directory:") && !l.startsWith("counters:") && !l.startsWith("HUB ")
        && !l.isBlank()).count();
  }
}
