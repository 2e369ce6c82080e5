package io.macula.nat.itest.lab;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.macula.nat.api.PathKind;
import io.macula.nat.itest.Await;
import io.macula.nat.itest.NodeProcess;
import io.macula.nat.testing.Coturn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * The roadmap's scenarios against real NATs: a hub on the lab's internet, and two nodes behind
 * each kind of NAT (and two behind one NAT, with and without hairpinning), each a node process in
 * its own namespace. Every pair of NAT kinds connects, pings and sends data checked by SHA-256;
 * each row says which strategy won and how long it took, in target/natlab/report.md.
 */
public class NatMatrixIT {
  private static final NatType[] ORDER = NatType.values();
  /** coturn, on a public host of the lab: every node may hold a relayed address on it. */
  private static final String TURN_IP = "203.0.113.30";
  private static final String TURN_CONFIG =
      "turn_servers = turn:" + TURN_IP + ":3478\nusername = alice\ncredential = wonderland\n";
  private static final String TURN_BUNDLE = "io.macula.nat.strategy.turn";
  /**
   * The routers' UDP timeout in the idle row: shorter than any a home router has, and than the
   * consent checks' interval (4 to 6 s), so that only keep-alives sized to the measured lifetime
   * keep the mappings.
   */
  private static final int IDLE_UDP_TIMEOUT_S = 3;
  /** How long the idle row holds its connection idle: many times the routers' timeout (QUIC's keep-alives come each 10 s). */
  private static final int IDLE_S = 60;
  /** "lifetime     at least 2 s, gone by 3 s (...)": a measured lifetime that ended within a wait. */
  private static final Pattern LIFETIME_LOST =
      Pattern.compile("lifetime +at least ([0-9.]+) s, gone by ([0-9.]+) s");
  /** Nodes with no TURN server of their own: they use their hub's, with the credentials it gives them. */
  private static final java.util.Set<String> HUB_TURN_NODES = java.util.Set.of("symmetric-2");
  /** The public node that relays for others in the peer relay rows; it joins only for them. */
  private static final String RELAY_IP = "198.51.100.230";
  /** The lossy row's loss, each way: 1%. (No delay: this kernel has no netem to add it with.) */
  private static final int LOSS_PER_THOUSAND = 10;

  private record Node(String name, NatType nat, NodeProcess process, String id) {}

  @Test
  public void everyPairOfNatsConnectsAsExpected() throws Exception {
    NatBehaviourIT.requireLab();
    long started = System.nanoTime();
    List<Scenario.Outcome> outcomes = new ArrayList<>();
    List<NodeProcess> processes = new ArrayList<>();
    List<Discovery> discoveries = List.of();
    String hubNatCounts = "";
    Coturn coturn = null;
    try (Lab lab = new Lab()) {
      Lab.Host turnHost = lab.publicHost("turn", TURN_IP);
      coturn = Coturn.start(Path.of("target", "natlab", "coturn"), List.of("ip", "netns", "exec", turnHost.ns()),
          TURN_IP, 3478, "--relay-ip=" + TURN_IP, "--realm=macula", "--lt-cred-mech", "--user=alice:wonderland",
          "--no-tcp-relay");
      Lab.Host hubHost = lab.publicHost("hub", Lab.HUB_IP, Lab.HUB_ALTERNATE_IP);
      // UDP and TCP: a node whose network blocks UDP registers over TCP.
      NodeProcess hub = Lab.hub("lab-hub", hubHost, "tcp = true\n")
          // The hub's TURN server: it hands its nodes credentials for it.
          .config("io.macula.nat.turn.server", "listen = " + Lab.HUB_IP + ":3478\n");
      processes.add(hub);
      hub.start();
      String peerConfig = "hub = " + hub.id() + "@" + Lab.HUB + "\n";

      // Where each node lives, and the port it binds (fixed where a hairpin rule names it).
      Map<String, Object[]> plan = new LinkedHashMap<>();
      for (NatType type : ORDER) {
        for (int i = 1; i <= 2; i++) {
          Lab.Host host = type == NatType.NONE
              ? lab.publicHost("none" + i, "198.51.100." + (200 + i))
              : lab.router(type.label + i, type, 1, false).lan().get(0);
          plan.put(type.label + "-" + i, new Object[] {type, host, 0});
        }
      }
      // A third node behind each kind of NAT that TURN crosses: the connecting side of the rows without it.
      for (NatType type : new NatType[] {NatType.SYMMETRIC, NatType.UDP_BLOCKED}) {
        plan.put(type.label + "-3", new Object[] {type, lab.router(type.label + "3", type, 1, false).lan().get(0), 0});
      }
      Lab.Router same = lab.router("same", NatType.PORT_RESTRICTED_CONE, 2, false);
      plan.put("same-1", new Object[] {NatType.PORT_RESTRICTED_CONE, same.lan().get(0), 0});
      plan.put("same-2", new Object[] {NatType.PORT_RESTRICTED_CONE, same.lan().get(1), 0});
      Lab.Router sameSymmetric = lab.router("samesym", NatType.SYMMETRIC, 2, false);
      plan.put("samesym-1", new Object[] {NatType.SYMMETRIC, sameSymmetric.lan().get(0), 0});
      plan.put("samesym-2", new Object[] {NatType.SYMMETRIC, sameSymmetric.lan().get(1), 0});
      Lab.Router hairpin = lab.router("hairpin", NatType.PORT_RESTRICTED_CONE, 2, true, 40001, 40002);
      plan.put("hairpin-1", new Object[] {NatType.PORT_RESTRICTED_CONE, hairpin.lan().get(0), 40001});
      plan.put("hairpin-2", new Object[] {NatType.PORT_RESTRICTED_CONE, hairpin.lan().get(1), 40002});

      // Nodes behind symmetric NATs of their own for the peer relay rows: pairs no other row connects.
      for (int i = 1; i <= 3; i++) {
        plan.put("relayed-" + i, new Object[] {NatType.SYMMETRIC, lab.router("relayed" + i, NatType.SYMMETRIC, 1, false)
            .lan().get(0), 0});
      }
      Lab.Host relayHost = lab.publicHost("relay", RELAY_IP);

      Lab.Host lossy = lab.router("lossy", NatType.PORT_RESTRICTED_CONE, 1, false).lan().get(0);
      lab.loss(lossy, LOSS_PER_THOUSAND);
      plan.put("lossy-1", new Object[] {NatType.PORT_RESTRICTED_CONE, lossy, 0});

      Map<String, Node> nodes = startAll(plan, peerConfig, processes);
      for (Node n : nodes.values()) {
        Await.until(n.name() + " registered", () -> hub.ok("hub:nodes").contains(n.id()), Duration.ofSeconds(90));
        // Where UDP is blocked, the hub session runs over TCP, and says why.
        String transport = n.nat() == NatType.UDP_BLOCKED ? "over tcp (UDP to " + Lab.HUB + " got no answer" : "over udp";
        String id = n.process().ok("nat:id");
        assertTrue(n.name() + ": " + id, id.contains(transport));
      }

      discoveries = discoverAll(nodes);
      // Every registered node told the hub what it found: the hub counts each kind once per node.
      Map<String, Long> expectedCounts = new java.util.TreeMap<>();
      nodes.values().forEach(n -> expectedCounts.merge(n.nat().label, 1L, Long::sum));
      Await.until("the hub counts the NAT of every node " + expectedCounts,
          () -> natCounts(hub.ok("hub:nat")).equals(expectedCounts), Duration.ofSeconds(30));
      hubNatCounts = hub.ok("hub:nat");

      // A second hub of the mesh beside the first, its directory the first's embedded ZooKeeper, and
      // two nodes behind cone NATs homed one at each: their hole punch's signals cross from hub to hub.
      NodeProcess hub2 = Lab.node("lab-hub2", hubHost)
          .config("io.macula.nat.endpoint", "bind = " + Lab.HUB2 + "\n")
          .config("io.macula.nat.hub", "admission = open\nzookeeper = " + hub.embeddedZooKeeper() + "\naddress = "
              + Lab.HUB2 + "\n");
      processes.add(hub2);
      hub2.start();
      Map<String, Object[]> twoHubs = new LinkedHashMap<>();
      twoHubs.put("crosshub-1", new Object[] {NatType.RESTRICTED_CONE,
          lab.router("crosshub1", NatType.RESTRICTED_CONE, 1, false).lan().get(0), 0});
      nodes.putAll(startAll(twoHubs, peerConfig, processes));
      twoHubs.clear();
      twoHubs.put("crosshub-2", new Object[] {NatType.PORT_RESTRICTED_CONE,
          lab.router("crosshub2", NatType.PORT_RESTRICTED_CONE, 1, false).lan().get(0), 0});
      nodes.putAll(startAll(twoHubs, "hub = " + hub2.id() + "@" + Lab.HUB2 + "\n", processes));
      String crossHub1 = nodes.get("crosshub-1").id();
      String crossHub2 = nodes.get("crosshub-2").id();
      String hub2Short = hub2.id().substring(0, 10);
      Await.until("hub 1 lists crosshub-2 homed at hub 2, and hub 2 crosshub-1 at hub 1", () ->
          hub.ok("hub:nodes").lines().anyMatch(l -> l.startsWith(crossHub2) && l.contains(" " + hub2Short + " "))
          && hub2.ok("hub:nodes").lines().anyMatch(l -> l.startsWith(crossHub1) && !l.contains(" this hub ")),
          Duration.ofSeconds(90));

      List<Scenario> scenarios = new ArrayList<>();
      java.util.Set<Scenario> withoutTurn = new java.util.HashSet<>();
      for (int i = 0; i < ORDER.length; i++) {
        for (int j = i; j < ORDER.length; j++) {
          // The more restricted side connects: "one node behind a NAT" connects to the public one.
          Node from = nodes.get(ORDER[j].label + "-1");
          Node to = nodes.get(ORDER[i].label + (i == j ? "-2" : "-1"));
          boolean turn = Scenario.fromTable(from.nat(), to.nat(), true).path() == PathKind.TURN;
          String server = !turn ? "" : HUB_TURN_NODES.contains(to.name()) ? ", the hub's TURN server" : ", coturn";
          scenarios.add(new Scenario(number(from.nat(), to.nat()) + server, from.name(), from.nat(), to.name(),
              to.nat(), Scenario.fromTable(from.nat(), to.nat(), true), Scenario.roadmap(from.nat(), to.nat(), false)));
          if (turn) {
            // The same NATs with the TURN strategy's bundle stopped on the connecting node: the hub relays. A
            // pair of its own (a third node of the kind, to a second), as a node answers a relayed
            // packet on whatever path it has to the sender already.
            Node from3 = nodes.get(ORDER[j].label + "-3");
            Node to2 = nodes.get(ORDER[i].label + "-2");
            Scenario without = new Scenario(number(from.nat(), to.nat()) + ", TURN bundle stopped", from3.name(),
                from3.nat(), to2.name(), to2.nat(), Scenario.fromTable(from.nat(), to.nat(), false),
                Scenario.roadmap(from.nat(), to.nat(), false));
            scenarios.add(without);
            withoutTurn.add(without);
          }
        }
      }
      // The public node connects to one behind each kind of NAT: that one dials it back, asked
      // through the hub, in one handshake (a full cone is dialled at its mapped address).
      for (NatType type : new NatType[] {NatType.FULL_CONE, NatType.RESTRICTED_CONE, NatType.PORT_RESTRICTED_CONE,
          NatType.SYMMETRIC}) {
        scenarios.add(new Scenario("2 one behind a NAT, the public one connects", "none-2", NatType.NONE,
            type.label + "-2", type, Scenario.fromTable(NatType.NONE, type, true),
            Scenario.roadmap(NatType.NONE, type, false)));
      }
      // Two nodes behind one NAT, whatever the NAT: the direct strategy dials the LAN addresses
      // the other reports.
      for (String pair : new String[] {"same", "hairpin", "samesym"}) {
        NatType nat = pair.equals("samesym") ? NatType.SYMMETRIC : NatType.PORT_RESTRICTED_CONE;
        scenarios.add(new Scenario("3 same NAT" + (pair.equals("hairpin") ? ", hairpinning"
            : pair.equals("samesym") ? ", symmetric" : ""), pair + "-1", nat, pair + "-2", nat,
            Scenario.Expected.win("direct", PathKind.DIRECT), Scenario.roadmap(nat, nat, true)));
      }
      scenarios.add(new Scenario("11 two hubs: each node homed at one, ICE's signals forwarded between them",
          "crosshub-1", NatType.RESTRICTED_CONE, "crosshub-2", NatType.PORT_RESTRICTED_CONE,
          Scenario.fromTable(NatType.RESTRICTED_CONE, NatType.PORT_RESTRICTED_CONE, true), "hole punch through two hubs"));
      scenarios.add(new Scenario("2 one behind a NAT, " + LOSS_PER_THOUSAND / 10.0 + "% loss each way", "lossy-1",
          NatType.PORT_RESTRICTED_CONE, "none-1", NatType.NONE,
          Scenario.fromTable(NatType.PORT_RESTRICTED_CONE, NatType.NONE, true), "direct"));
      for (Scenario s : scenarios) {
        NodeProcess from = nodes.get(s.from()).process();
        if (withoutTurn.contains(s)) {
          from.ok("stop", TURN_BUNDLE); // as an operator removes a strategy while the node runs
        }
        outcomes.add(run(s, nodes.get(s.from()), nodes.get(s.to()),
            HUB_TURN_NODES.contains(s.to()) ? Lab.HUB_IP : TURN_IP));
        if (withoutTurn.contains(s)) {
          startTurn(from);
        }
      }
      // NAT opens: two cone NATs pass no UDP to each other (a router's rule), but both reach the
      // TURN server: ICE selects a pair with a relayed candidate. Then the rule goes, and the
      // connection moves to a hole-punched path on its own.
      NatType relayFrom = NatType.PORT_RESTRICTED_CONE;
      NatType relayTo = NatType.RESTRICTED_CONE;
      outcomes.add(natOpens(new Scenario("10 NAT opens: no UDP between the NATs (ICE's relayed candidate), then the"
          + " router's rule goes", relayFrom.label + "-1", relayFrom, relayTo.label + "-2", relayTo,
          Scenario.Expected.win("holepunch", PathKind.TURN), "upgrade to direct if NAT opens"),
          nodes.get(relayFrom.label + "-1"), nodes.get(relayTo.label + "-2"), lab, relayFrom.label + "1",
          lab.publicIp(relayTo.label + "2")));
      // A live upgrade: a cone pair that starts on the hub relay moves to a hole-punched path once
      // hole punching is enabled, in the middle of a transfer.
      NatType upFrom = NatType.PORT_RESTRICTED_CONE;
      NatType upTo = NatType.RESTRICTED_CONE;
      outcomes.add(upgrade(new Scenario("7 live upgrade: hub relay, then hole punch enabled mid-transfer",
          upFrom.label + "-2", upFrom, upTo.label + "-2", upTo, Scenario.Expected.win("hubrelay", PathKind.HOLE_PUNCHED),
          "upgrade to direct if NAT opens"), nodes.get(upFrom.label + "-2"), nodes.get(upTo.label + "-2")));
      // A direct path black-holed under a transfer falls back to the hub relay, and the connection
      // upgrades again once the firewall rule is gone.
      NatType fallbackFrom = NatType.RESTRICTED_CONE;
      String nonePeer = "none-1";
      outcomes.add(fallback(new Scenario("8 fallback: the direct path black-holed mid-transfer, then open again",
          fallbackFrom.label + "-2", fallbackFrom, nonePeer, NatType.NONE, Scenario.Expected.win("direct", PathKind.DIRECT),
          "monitor connection, upgrade to direct"), nodes.get(fallbackFrom.label + "-2"), nodes.get(nonePeer), lab,
          (Lab.Host) plan.get(fallbackFrom.label + "-2")[1], ((Lab.Host) plan.get(nonePeer)[1]).ip()));
      // An idle hole-punched connection outlives both routers' UDP timeout, set short, once the
      // port-restricted cone's node measured it.
      NatType idleFrom = NatType.RESTRICTED_CONE;
      NatType idleTo = NatType.PORT_RESTRICTED_CONE;
      outcomes.add(idle(new Scenario("9 idle past the routers' UDP timeout (" + IDLE_UDP_TIMEOUT_S + " s)",
          idleFrom.label + "-1", idleFrom, idleTo.label + "-2", idleTo,
          Scenario.fromTable(idleFrom, idleTo, true), "keep-alive"), nodes.get(idleFrom.label + "-1"),
          nodes.get(idleTo.label + "-2"), lab, List.of(idleFrom.label + "1", idleTo.label + "2")));
      // A public node that relays for others joins (after every row above, whose winners it would
      // change): two symmetric NATs connect through it, a full relay refuses, and a relay killed
      // under a transfer leaves the connection to the hub relay.
      NodeProcess relay = Lab.node("lab-relay", relayHost)
          .config("io.macula.nat.endpoint", "bind = 0.0.0.0:0\n")
          .config("io.macula.nat.peer", peerConfig)
          .config("io.macula.nat.relay", "offers_relay = true\n");
      processes.add(relay);
      relay.start();
      String relayId = relay.id();
      Await.until("the relay is in the hub's directory, reachable", () -> hub.ok("hub:relays").lines()
          .anyMatch(l -> l.startsWith(relayId) && l.strip().endsWith("yes")), Duration.ofSeconds(90));
      outcomes.addAll(peerRelayRows(relay, nodes.get("relayed-1"), nodes.get("relayed-2"), nodes.get("relayed-3")));
      // Once UDP passes again, the hub session of a node that ran over TCP goes back to UDP.
      lab.allowUdp(NatType.UDP_BLOCKED.label + "3");
      NodeProcess unblocked = nodes.get(NatType.UDP_BLOCKED.label + "-3").process();
      Await.until("udp-blocked-3's hub session is back on UDP once UDP passes",
          () -> unblocked.ok("nat:id").contains("hub up observed") && unblocked.ok("nat:id").contains("over udp"),
          Duration.ofSeconds(90));
    } finally {
      processes.forEach(NodeProcess::close);
      if (coturn != null) {
        coturn.close();
      }
    }
    long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
    Path dir = Path.of("target", "natlab");
    Report.write(dir, outcomes, discoveries, hubNatCounts, seconds);
    System.out.println(Files.readString(dir.resolve("report.md")));
    List<String> failed = outcomes.stream().filter(o -> !o.verdict().startsWith("pass"))
        .map(o -> o.scenario().name() + " " + o.scenario().from() + "->" + o.scenario().to() + ": " + o.detail())
        .toList();
    assertTrue("scenarios whose outcome is not the one expected: " + failed, failed.isEmpty());
    List<String> misread = discoveries.stream().filter(d -> !d.pass())
        .map(d -> d.node() + " behind " + d.labNat().label + " reported " + d.behavior() + ": " + d.detail()).toList();
    assertTrue("nodes whose nat:natinfo is not the lab's NAT: " + misread, misread.isEmpty());
    assertFalse("no discovery ran", discoveries.isEmpty());
    assertEquals("namespaces left behind", List.of(), Lab.ownNamespaces());
  }

  /**
   * The "NAT opens" row: the connecting node's router drops all UDP to and from the other node's
   * router, so the connect's ICE finds only pairs through the TURN server and selects one (the hole
   * punch strategy wins, on a TURN path, data intact both ways as in every row). Then the rule
   * goes, and the connection must move to a hole-punched path with no operator (the path
   * upgrader's next ICE session), and carry data intact there. The upgrade time is from the rule's
   * removal to the connecting node's move.
   */
  private static Scenario.Outcome natOpens(Scenario s, Node from, Node to, Lab lab, String router, String peerIp)
      throws Exception {
    lab.routerDrops(router, peerIp);
    Scenario.Outcome relayed;
    try {
      relayed = run(s, from, to, TURN_IP);
    } finally {
      lab.routerAllows(router);
    }
    long opened = System.nanoTime();
    if (!relayed.verdict().equals("pass")) {
      return relayed;
    }
    NodeProcess a = from.process();
    long upgradeMs;
    try {
      Await.until("the connection moved to a hole-punched path once the rule went",
          () -> "hole-punched".equals(pathOf(a, to.id())), Duration.ofSeconds(90));
      upgradeMs = (System.nanoTime() - opened) / 1_000_000;
    } catch (AssertionError e) {
      return new Scenario.Outcome(s, relayed.winner(), pathOf(a, to.id()), relayed.connectMs(), relayed.rttMs(),
          relayed.mbPerSecond(), "FAIL", e.getMessage());
    }
    NodeProcess.Result send = a.nat("nat:send", to.id(), "2");
    String detail = "";
    if (intactRate(send.out()) < 0) {
      detail = "data did not cross intact after the upgrade: " + (send.err() + send.out()).strip();
    } else if (!send.out().contains("hole-punched path")) {
      detail = "the data did not cross on the hole-punched path: " + send.out().strip();
    } else if (!a.ok("nat:attempts", to.id())
        .matches("(?s).*holepunch.*moves of the paths since.*upgrade: ICE selected.*")) {
      detail = "nat:attempts does not tell the connect and the upgrade after it: " + a.ok("nat:attempts", to.id());
    }
    return new Scenario.Outcome(s, relayed.winner(), relayed.path(), relayed.connectMs(), relayed.rttMs(),
        relayed.mbPerSecond(), detail.isEmpty() ? "pass" : "FAIL", detail, upgradeMs, -1);
  }

  /**
   * The upgrade row: the connecting node, with hole punch and TURN disabled, connects by the hub
   * relay and starts a 60 MB transfer; hole punch is enabled once 4 MB crossed; both nodes' paths
   * must move to hole-punched while the transfer runs, and the transfer must end intact on the
   * same connection. The upgrade time is from the enable to the connecting node's move.
   */
  private static Scenario.Outcome upgrade(Scenario s, Node from, Node to) throws Exception {
    NodeProcess a = from.process();
    a.ok("nat:disable", "holepunch");
    a.ok("nat:disable", "turn");
    try {
      long connectMs = connectMs(a, to, "hubrelay");
      if (connectMs < 0) {
        return new Scenario.Outcome(s, null, null, -1, -1, -1, "FAIL", "expected to start on the hub relay");
      }
      String connection = connectionsOf(a, to.id());
      Process transfer = a.natAsync("nat:send", to.id(), "60");
      long upgradeMs;
      try {
        Await.until("4 MB crossed the hub relay", () -> bytesSent(a, to.id()) > (4L << 20), Duration.ofSeconds(30));
        long enabled = System.nanoTime();
        a.ok("nat:enable", "holepunch");
        Await.until("the connection moved to a hole-punched path",
            () -> "hole-punched".equals(pathOf(a, to.id())), Duration.ofSeconds(20));
        upgradeMs = (System.nanoTime() - enabled) / 1_000_000;
      } catch (AssertionError e) {
        transfer.destroy();
        return new Scenario.Outcome(s, "hubrelay", pathOf(a, to.id()), connectMs, -1, -1, "FAIL", e.getMessage());
      }
      boolean midTransfer = transfer.isAlive();
      boolean ended = transfer.waitFor(180, java.util.concurrent.TimeUnit.SECONDS);
      String out = new String(transfer.getInputStream().readAllBytes());
      String theirPath = pathOf(to.process(), from.id());
      double mbs = intactRate(out);
      String ping = a.nat("nat:ping", to.id(), "5").out();
      double rtt = medianRtt(ping);
      String detail = "";
      if (!midTransfer) {
        detail = "the transfer had ended before the upgrade: nothing was moved under it";
      } else if (!ended || mbs < 0) {
        detail = "the transfer did not end intact: " + out.strip();
      } else if (!out.contains("hole-punched path")) {
        detail = "the transfer did not end on the hole-punched path: " + out.strip();
      } else if (!connection.equals(connectionOf(out))) {
        detail = "the transfer ran on another connection than the one connected: " + out.strip();
      } else if (!"hole-punched".equals(theirPath)) {
        detail = "the other node still sends over " + theirPath;
      } else if (!a.ok("nat:moves").contains("upgrade: ICE selected")) {
        detail = "nat:moves does not tell the upgrade: " + a.ok("nat:moves");
      } else if (rtt < 0 || rtt > s.expected().path().latencyTarget().toMillis()) {
        detail = "round trip after the upgrade: " + ping.strip();
      }
      return new Scenario.Outcome(s, "hubrelay", pathOf(a, to.id()), connectMs, rtt, mbs,
          detail.isEmpty() ? "pass" : "FAIL", detail, upgradeMs, -1);
    } finally {
      a.ok("nat:enable", "holepunch");
      a.ok("nat:enable", "turn");
    }
  }

  /**
   * The fallback row: a direct connect, a 150 MB transfer, and once 8 MB crossed, all UDP between
   * the two dropped in the connecting node's namespace. Both nodes must move to the hub relay, the
   * connecting one within 5 s, and the transfer must end intact on the same connection. Then the
   * rule goes, and both sides must upgrade to a direct path again.
   */
  private static Scenario.Outcome fallback(Scenario s, Node from, Node to, Lab lab, Lab.Host host, String peerIp)
      throws Exception {
    NodeProcess a = from.process();
    long connectMs = connectMs(a, to, "direct");
    if (connectMs < 0) {
      return new Scenario.Outcome(s, null, null, -1, -1, -1, "FAIL", "expected a direct connect");
    }
    String connection = connectionsOf(a, to.id());
    Process transfer = a.natAsync("nat:send", to.id(), "150");
    long fallbackMs;
    long upgradeMs;
    String out;
    boolean midTransfer;
    try {
      Await.until("8 MB crossed the direct path", () -> bytesSent(a, to.id()) > (8L << 20), Duration.ofSeconds(30));
      long blocked = System.nanoTime();
      lab.blackHole(host, peerIp);
      fallbackMs = bothOnTheHubRelay(from, to, blocked);
      midTransfer = transfer.isAlive();
      out = ended(transfer);
      long opened = System.nanoTime();
      lab.reopen(host);
      // Each side on its own: its probes of the path it left are answered again, or its ICE
      // session selects a pair.
      Await.until("the connection upgraded to a direct path again", () -> "direct".equals(pathOf(a, to.id())),
          Duration.ofSeconds(90));
      upgradeMs = (System.nanoTime() - opened) / 1_000_000;
      // A direct path from where the other node stands: "hole-punched" when ICE found it, as the
      // node behind the NAT is the other's peer.
      Await.until("the other node upgraded too",
          () -> java.util.Set.of("direct", "hole-punched").contains(pathOf(to.process(), from.id())),
          Duration.ofSeconds(30));
    } catch (AssertionError e) {
      lab.reopen(host);
      transfer.destroy();
      return new Scenario.Outcome(s, "direct", pathOf(a, to.id()), connectMs, -1, -1, "FAIL", e.getMessage());
    }
    double mbs = intactRate(out);
    String ping = a.nat("nat:ping", to.id(), "5").out();
    double rtt = medianRtt(ping);
    String detail = "";
    if (!midTransfer) {
      detail = "the transfer had ended before the fallback: nothing was moved under it";
    } else if (fallbackMs > 5000) {
      detail = "fell back " + fallbackMs + " ms after the path went dark, over the 5 s goal";
    } else if (!a.ok("nat:moves").matches(
        "(?s).*fallback: the direct path answered no probe.*upgrade: (ICE selected|the direct path answers its probes again).*")) {
      detail = "nat:moves does not tell the fallback and the upgrade after it: " + a.ok("nat:moves");
    } else if (mbs < 0) {
      detail = "the transfer did not end intact: " + out.strip();
    } else if (!connection.equals(connectionOf(out))) {
      detail = "the transfer ran on another connection than the one connected: " + out.strip();
    } else if (rtt < 0 || rtt > s.expected().path().latencyTarget().toMillis()) {
      detail = "round trip after the upgrade: " + ping.strip();
    }
    return new Scenario.Outcome(s, "direct", pathOf(a, to.id()), connectMs, rtt, mbs,
        detail.isEmpty() ? "pass" : "FAIL", detail, upgradeMs, fallbackMs);
  }

  /**
   * Waits until both nodes' paths to each other are the hub relay (15 s each): the connecting
   * node's move, in milliseconds since {@code since}.
   */
  private static long bothOnTheHubRelay(Node from, Node to, long since) {
    Await.until("the connecting node fell back to the hub relay",
        () -> "hub-relay".equals(pathOf(from.process(), to.id())), Duration.ofSeconds(15));
    long ms = (System.nanoTime() - since) / 1_000_000;
    Await.until("the other node fell back too", () -> "hub-relay".equals(pathOf(to.process(), from.id())),
        Duration.ofSeconds(15));
    return ms;
  }

  /** What a transfer printed, once it ended (within 180 s). */
  private static String ended(Process transfer) throws Exception {
    if (!transfer.waitFor(180, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new AssertionError("the transfer did not end within 180 s");
    }
    return new String(transfer.getInputStream().readAllBytes());
  }

  /**
   * The idle row: both routers' UDP timeout set to {@value #IDLE_UDP_TIMEOUT_S} s, shorter than
   * the consent checks' interval; the accepting node, behind a port-restricted cone that keeps
   * nothing but its conntrack entries, discovers its NAT again until it measured that lifetime
   * (the connecting node's restricted cone keeps its mapping whatever the timeout: it measures
   * nothing short, rightly); then a hole punch, the connection left idle for {@value #IDLE_S} s,
   * and the connecting node pings and sends over it. With the consent checks' 4-6 s alone, gaps
   * past the timeout come every few seconds, and a probe that meets a forgotten mapping before
   * the far side's own check opens it again is lost: over that long, one of those makes the path
   * fall back, which the row sees as a move. It must work
   * on the same hole-punched path, with no move in between: the path probes, sized to the
   * measured lifetime, kept the mappings open.
   */
  private static Scenario.Outcome idle(Scenario s, Node from, Node to, Lab lab, List<String> routers)
      throws Exception {
    NodeProcess a = from.process();
    NodeProcess b = to.process();
    routers.forEach(r -> lab.udpTimeout(r, IDLE_UDP_TIMEOUT_S));
    try {
      String lost = measuredLifetime(b);
      if (lost == null) {
        return new Scenario.Outcome(s, null, null, -1, -1, -1, "FAIL",
            "the node behind the port-restricted cone did not measure its NAT's short mapping lifetime: "
                + b.ok("nat:natinfo"));
      }
      System.out.println("the port-restricted cone keeps idle mappings: " + lost);
      long connectMs = connectMs(a, to, s.expected().strategy());
      if (connectMs < 0) {
        return new Scenario.Outcome(s, null, null, -1, -1, -1, "FAIL", "expected " + s.expected().label());
      }
      String movesBefore = a.ok("nat:moves");
      String theirsBefore = pathOf(b, from.id()); // an inbound connection's path is named direct on its side
      Thread.sleep(IDLE_S * 1000L); // the idle time is the scenario, not a wait for a condition
      String ping = a.nat("nat:ping", to.id(), "5").out();
      double rtt = medianRtt(ping);
      double mbs = intactRate(a.nat("nat:send", to.id(), "1").out());
      String ours = pathOf(a, to.id());
      String theirs = pathOf(b, from.id());
      String detail = "";
      if (rtt < 0 || mbs < 0) {
        detail = "the idle connection no longer carried a ping and a transfer: " + ping.strip();
      } else if (!theirsBefore.equals(theirs) || !s.expected().path().label().equals(ours)) {
        detail = "the path moved while idle: " + ours + " and " + theirs + "; " + a.ok("nat:moves");
      } else if (!a.ok("nat:moves").equals(movesBefore)) {
        detail = "the path moved and back while idle: " + a.ok("nat:moves");
      }
      return new Scenario.Outcome(s, s.expected().strategy(), ours, connectMs, rtt, mbs,
          detail.isEmpty() ? "pass" : "FAIL", detail);
    } finally {
      routers.forEach(r -> lab.udpTimeout(r, 30));
    }
  }

  /**
   * The peer relay rows, in order, each with the TURN strategy's bundle stopped on the connecting
   * node. 11: two nodes behind symmetric NATs (no punch) connect through the public node that
   * relays, not the hub; it shows their pair. 12: the relay is set to hold no more pairs than it
   * has, so it refuses a third node's, and the hub relay wins, the refusal in the attempts. 13: a
   * transfer over row 11's connection, and once 4 MB crossed the relay is killed: both nodes move
   * to the hub relay and the transfer ends intact on the same connection.
   */
  private static List<Scenario.Outcome> peerRelayRows(NodeProcess relay, Node one, Node two, Node three)
      throws Exception {
    List<Scenario.Outcome> out = new ArrayList<>();
    Scenario.Expected peerRelay = Scenario.Expected.win("peerrelay", PathKind.PEER_RELAY);
    Scenario through = new Scenario("11 peer relay: both symmetric, TURN bundle stopped, a public node relays",
        one.name(), one.nat(), two.name(), two.nat(), peerRelay, "relay");
    one.process().ok("stop", TURN_BUNDLE);
    three.process().ok("stop", TURN_BUNDLE);
    try {
      Scenario.Outcome o = run(through, one, two, TURN_IP);
      String pairs = relay.ok("nat:relay");
      if (o.verdict().equals("pass") && !(pairs.contains(one.id().substring(0, 10)) && pairs.contains(two.id().substring(0, 10)))) {
        o = new Scenario.Outcome(through, o.winner(), o.path(), o.connectMs(), o.rttMs(), o.mbPerSecond(), "FAIL",
            "the relay does not show the pair: " + pairs.strip().replaceAll("\\s+", " "));
      }
      out.add(o);

      Matcher held = Pattern.compile("pairs +(\\d+) ").matcher(pairs);
      int count = held.find() ? Math.max(1, Integer.parseInt(held.group(1))) : 1;
      relay.config("io.macula.nat.relay", "offers_relay = true\nrelay_max_pairs = " + count + "\n");
      Await.until("the relay holds no more than " + count + " pairs",
          () -> relay.ok("nat:relay").startsWith("offer        " + count + " pair"), Duration.ofSeconds(30));
      Scenario full = new Scenario("12 peer relay at its limit: the next strategy wins", three.name(), three.nat(),
          two.name(), two.nat(), Scenario.Expected.win("hubrelay", PathKind.HUB_RELAY), "relay");
      Scenario.Outcome f = run(full, three, two, TURN_IP);
      String attempts = three.process().ok("nat:attempts", two.id());
      if (f.verdict().equals("pass") && !attempts.contains("at its limit of " + count)) {
        f = new Scenario.Outcome(full, f.winner(), f.path(), f.connectMs(), f.rttMs(), f.mbPerSecond(), "FAIL",
            "the attempts do not show the relay's refusal: " + attempts.strip().replaceAll("\\s+", " "));
      }
      out.add(f);

      out.add(relayKilled(new Scenario("13 the relay killed mid-transfer: the hub relay takes over", one.name(),
          one.nat(), two.name(), two.nat(), peerRelay, "relay"), one, two, relay, o.verdict().equals("pass")));
    } finally {
      startTurn(one.process());
      startTurn(three.process());
    }
    return out;
  }

  /** Starts the TURN strategy's bundle again, and waits until the strategy is back. */
  private static void startTurn(NodeProcess node) {
    node.startBundle(TURN_BUNDLE);
    Await.until("the TURN strategy is back", () -> node.ok("nat:strategies").contains("\nturn "),
        Duration.ofSeconds(30));
  }

  /** Row 13 (see {@link #peerRelayRows}): the fallback time is from the kill to the connecting node's move. */
  private static Scenario.Outcome relayKilled(Scenario s, Node from, Node to, NodeProcess relay, boolean connected)
      throws Exception {
    NodeProcess a = from.process();
    if (!connected || !"peer-relay".equals(pathOf(a, to.id()))) {
      return new Scenario.Outcome(s, null, pathOf(a, to.id()), -1, -1, -1, "FAIL",
          "row 11's connection is not on the peer relay");
    }
    String connection = connectionsOf(a, to.id());
    long before = bytesSent(a, to.id());
    Process transfer = a.natAsync("nat:send", to.id(), "30");
    long fallbackMs;
    boolean midTransfer;
    String out;
    try {
      Await.until("4 MB crossed the peer relay", () -> bytesSent(a, to.id()) - before > (4L << 20),
          Duration.ofSeconds(30));
      long killed = System.nanoTime();
      relay.close(); // killed: no goodbye to anyone
      fallbackMs = bothOnTheHubRelay(from, to, killed);
      midTransfer = transfer.isAlive();
      out = ended(transfer);
    } catch (AssertionError e) {
      transfer.destroy();
      return new Scenario.Outcome(s, "peerrelay", pathOf(a, to.id()), -1, -1, -1, "FAIL", e.getMessage());
    }
    double mbs = intactRate(out);
    String detail = "";
    if (!midTransfer) {
      detail = "the transfer had ended before the relay went: nothing was moved under it";
    } else if (mbs < 0) {
      detail = "the transfer did not end intact: " + out.strip();
    } else if (!connection.equals(connectionOf(out))) {
      detail = "the transfer ran on another connection than the one connected: " + out.strip();
    } else if (!a.ok("nat:moves").contains("fallback: the peer-relay path answered no probe")) {
      detail = "nat:moves does not tell the fallback: " + a.ok("nat:moves");
    }
    return new Scenario.Outcome(s, "peerrelay", pathOf(a, to.id()), -1, -1, mbs, detail.isEmpty() ? "pass" : "FAIL",
        detail, -1, fallbackMs);
  }

  /**
   * Has the node discover its NAT again, which measures how long the NAT keeps idle mappings, and
   * waits for a measurement that matches the routers' timeout: kept at least two thirds of it, gone
   * within it and a second. What it found, or null if nothing such came within 90 s. A measurement
   * under way from before (against the routers' old timeout) is waited out, then discovery is asked
   * again.
   */
  private static String measuredLifetime(NodeProcess n) {
    String[] lostBy = new String[1];
    long[] nextRefresh = {System.nanoTime()};
    try {
      io.macula.nat.testing.Eventually.until("a measured lifetime gone within the routers' timeout", () -> {
        if (System.nanoTime() - nextRefresh[0] >= 0) {
          n.nat("nat:natinfo", "--refresh");
          nextRefresh[0] = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        }
        Matcher lost = LIFETIME_LOST.matcher(n.ok("nat:natinfo"));
        if (lost.find() && Double.parseDouble(lost.group(1)) >= IDLE_UDP_TIMEOUT_S * 2 / 3.0
            && Double.parseDouble(lost.group(2)) <= IDLE_UDP_TIMEOUT_S + 1) {
          lostBy[0] = lost.group();
          return true;
        }
        return false;
      }, java.time.Duration.ofSeconds(90));
      return lostBy[0];
    } catch (AssertionError e) {
      return null;
    }
  }

  /** Connects a node to another; the connect's time when {@code strategy} won it, else -1 (and why, printed). */
  private static long connectMs(NodeProcess a, Node to, String strategy) {
    NodeProcess.Result connect = a.nat("nat:connect", to.id());
    Matcher won = Pattern.compile("by (\\S+) \\((\\S+) path\\) in (\\d+) ms").matcher(connect.out());
    if (connect.exit() != 0 || !won.find() || !won.group(1).equals(strategy)) {
      System.out.println("expected " + strategy + " to win: " + (connect.err() + connect.out()).strip());
      return -1;
    }
    return Long.parseLong(won.group(3));
  }

  /** The MB/s of a transfer nat:send says arrived intact, or -1. */
  private static double intactRate(String sendOutput) {
    Matcher rate = Pattern.compile("([0-9.]+) MB/s; sha256 [0-9a-f]{64} matches").matcher(sendOutput);
    return rate.find() ? Double.parseDouble(rate.group(1)) : -1;
  }

  /** The median round trip nat:ping measured, in ms, or -1. */
  private static double medianRtt(String pingOutput) {
    Matcher median = Pattern.compile("median ([0-9.]+) ms").matcher(pingOutput);
    return median.find() ? Double.parseDouble(median.group(1)) : -1;
  }

  /** The connection a transfer ran on, as nat:send names it: {@code #N}. */
  private static String connectionOf(String sendOutput) {
    Matcher m = Pattern.compile("over connection (#\\d+)").matcher(sendOutput);
    return m.find() ? m.group(1) : "(none)";
  }

  /** A node's connections to a peer, as nat:paths lists them ({@code #N}, or {@code #N,#M}), or "-". */
  private static String connectionsOf(NodeProcess node, String peer) {
    return node.pathsRow(peer).map(cells -> cells[1]).orElse("-");
  }

  /** The kind of path a node's connections to a peer take now (nat:paths), or "-". */
  static String pathOf(NodeProcess node, String peer) {
    return node.pathsRow(peer).map(cells -> cells[3]).orElse("-");
  }

  /** Bytes a node's connections to a peer have sent (nat:paths), on whatever path. */
  static long bytesSent(NodeProcess node, String peer) {
    return node.pathsRow(peer).map(cells -> Long.parseLong(cells[cells.length - 2])).orElse(0L);
  }

  private static String number(NatType from, NatType to) {
    if (from == NatType.UDP_BLOCKED || to == NatType.UDP_BLOCKED) {
      return "6 UDP blocked";
    }
    if (from == NatType.NONE && to == NatType.NONE) {
      return "1 both public";
    }
    if (to == NatType.NONE) {
      return "2 one behind a NAT";
    }
    if (from == NatType.SYMMETRIC || to == NatType.SYMMETRIC) {
      return "5 symmetric";
    }
    return "4 different NATs";
  }

  /** What nat:natinfo said on a node, against the NAT the lab built for it. */
  record Discovery(String node, NatType labNat, String behavior, String mapping, String filtering,
      String hairpinning, String expectedHairpinning, boolean pass, String detail) {}

  /** Asks every node for its NAT behaviour: it must be the one the lab built. */
  private static List<Discovery> discoverAll(Map<String, Node> nodes) {
    List<Discovery> out = new ArrayList<>();
    for (Node n : nodes.values()) {
      NodeProcess.Result r = n.process().nat("nat:natinfo");
      String text = r.out();
      String behavior = field(text, "behavior");
      // A NAT without hairpinning never returns a packet to its own public address. The lab's
      // hairpinning router returns one host's packets to another host, but not to the sender's
      // own host: Linux drops a forwarded packet whose translated destination is its source host.
      // So the self-test of RFC 5780 §4.5 is checked only where the answer must be no.
      String expectedHairpin = n.name().startsWith("same") ? "no" : "";
      String hairpin = field(text, "hairpinning");
      boolean pass = r.exit() == 0 && behavior.equals(n.nat().label)
          && (expectedHairpin.isEmpty() || expectedHairpin.equals(hairpin));
      // nat:netcheck, for scripts, names the same NAT, and says where UDP is blocked.
      NodeProcess.Result check = n.process().nat("nat:netcheck", "--json");
      Matcher json = Pattern.compile("^\\{\"udp\":(true|false),\"nat\":\"([a-z-]+)\"").matcher(check.out());
      boolean checked = check.exit() == 0 && json.find() && json.group(2).equals(n.nat().label)
          && json.group(1).equals(String.valueOf(n.nat() != NatType.UDP_BLOCKED));
      String detail = r.exit() != 0 ? (r.err() + r.out()).strip()
          : checked ? field(text, "detail") : "nat:netcheck --json said: " + (check.err() + check.out()).strip();
      out.add(new Discovery(n.name(), n.nat(), behavior, field(text, "mapping"), field(text, "filtering"),
          hairpin, expectedHairpin, pass && checked, detail));
    }
    return out;
  }

  /** hub:nat's table as label to count. */
  private static Map<String, Long> natCounts(String table) {
    Map<String, Long> out = new java.util.TreeMap<>();
    Matcher m = Pattern.compile("(?m)^([a-z-]+)\\s+(\\d+)$").matcher(table);
    while (m.find()) {
      out.put(m.group(1), Long.parseLong(m.group(2)));
    }
    return out;
  }

  private static String field(String text, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + "\\s+(.*)$").matcher(text);
    return m.find() ? m.group(1).strip() : "-";
  }

  private static Map<String, Node> startAll(Map<String, Object[]> plan, String peerConfig, List<NodeProcess> all)
      throws Exception {
    ExecutorService starter = Executors.newFixedThreadPool(4);
    Map<String, Future<Node>> starting = new LinkedHashMap<>();
    for (var e : plan.entrySet()) {
      NatType nat = (NatType) e.getValue()[0];
      Lab.Host host = (Lab.Host) e.getValue()[1];
      int port = (Integer) e.getValue()[2];
      NodeProcess p = Lab.node("lab-" + e.getKey(), host)
          .config("io.macula.nat.endpoint", "bind = 0.0.0.0:" + port + "\n")
          .config("io.macula.nat.peer", peerConfig);
      if (!HUB_TURN_NODES.contains(e.getKey())) {
        p.config("io.macula.nat.turn", TURN_CONFIG);
      }
      synchronized (all) {
        all.add(p);
      }
      starting.put(e.getKey(), starter.submit(() -> new Node(e.getKey(), nat, p.start(), p.id())));
    }
    Map<String, Node> nodes = new LinkedHashMap<>();
    for (var e : starting.entrySet()) {
      nodes.put(e.getKey(), e.getValue().get());
    }
    starter.shutdown();
    return nodes;
  }

  /** The node's latest ICE session as {@code nat:ice} tells it, on one line: what a failed row shows. */
  private static String latestIce(NodeProcess node) {
    String[] sessions = node.nat("nat:ice").out().strip().split("\\n(?=\\S)");
    return sessions.length == 0 ? "no ICE session" : sessions[0].replaceAll("\\s+", " ");
  }

  /**
   * Connects, pings and sends both ways. The row passes only with its exact expected winner and
   * path kind, its data intact both ways and its round trip within the roadmap's target for the
   * path, through the TURN server at {@code turnIp} for a TURN path.
   */
  private static Scenario.Outcome run(Scenario s, Node from, Node to, String turnIp) {
    Scenario.Expected expected = s.expected();
    NodeProcess.Result connect = from.process().nat("nat:connect", to.id());
    Matcher won = Pattern.compile("by (\\S+) \\((\\S+) path\\) in (\\d+) ms").matcher(connect.out());
    if (connect.exit() != 0 || !won.find()) {
      String why = (connect.err() + connect.out()).strip();
      return new Scenario.Outcome(s, null, null, -1, -1, -1, "FAIL", "expected " + expected.label() + "; " + why);
    }
    String winner = won.group(1);
    String path = won.group(2);
    long connectMs = Long.parseLong(won.group(3));
    if (!winner.equals(expected.strategy()) || !path.equals(expected.path().label())) {
      return new Scenario.Outcome(s, winner, path, connectMs, -1, -1, "FAIL",
          winner + " (" + path + ") won where " + expected.label() + " was expected; "
              + connect.out().strip().replaceAll("\\s+", " ") + "; " + latestIce(from.process()));
    }
    String ping = from.process().nat("nat:ping", to.id(), "5").out();
    double rtt = medianRtt(ping);
    NodeProcess.Result send = from.process().nat("nat:send", to.id(), "2");
    double mbs = intactRate(send.out());
    // And back, over the connection the first node opened.
    NodeProcess.Result back = to.process().nat("nat:send", from.id(), "1");
    long target = expected.path().latencyTarget().toMillis();
    String verdict = "FAIL";
    String detail = "";
    if (rtt < 0) {
      detail = "no round trip measured: " + ping.strip();
    } else if (mbs < 0) {
      detail = "data did not cross intact: " + (send.err() + send.out()).strip();
    } else if (back.exit() != 0 || !back.out().contains("matches")) {
      detail = "data did not come back intact: " + (back.err() + back.out()).strip();
    } else if (rtt > target) {
      detail = String.format(java.util.Locale.ROOT, "round trip %.2f ms over the %d ms target of a %s path",
          rtt, target, path);
    } else if (expected.path() == PathKind.TURN
        && !Pattern.compile("turn path via (turn |/)" + Pattern.quote(turnIp) + ":").matcher(send.out()).find()) {
      detail = "relayed, but not by the TURN server at " + turnIp + ": " + send.out().strip();
    } else {
      verdict = "pass";
    }
    return new Scenario.Outcome(s, winner, path, connectMs, rtt, mbs, verdict, detail);
  }
}
