package io.macula.nat.itest.lab;

import io.macula.nat.itest.NodeProcess;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A network on one machine, of network namespaces joined by veth pairs: an "internet" bridge, a hub
 * and observers on 203.0.113.0/24, NAT routers whose public side sits in 198.51.100.0/24, and LANs
 * behind them in 10.0.0.0/8, with nftables on each router. Every namespace carries this lab's
 * prefix; closing the lab (or a later lab finding the leftovers of one killed) deletes them all,
 * and with them every link and rule.
 */
final class Lab implements AutoCloseable {
  static final String PREFIX = "mnl";
  static final String HUB_IP = "203.0.113.10";
  /** The hub's second address: its STUN server answers RFC 5780 CHANGE-REQUESTs from it. */
  static final String HUB_ALTERNATE_IP = "203.0.113.11";
  /** Where every lab node finds its hub. */
  static final String HUB = HUB_IP + ":7400";
  /** The mesh's second hub, on the same host: the nodes of the two-hub row home there. */
  static final String HUB2 = HUB_IP + ":7410";
  /** The JVM options of every lab node: many of them share two cores, so small and quick to start. */
  static final String[] NODE_JVM = {"-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"};
  static final String[] OBSERVER_IPS = {"203.0.113.20", "203.0.113.21", "203.0.113.22"};

  /** A host of the lab: its namespace and address. */
  record Host(String ns, String ip) {}

  /** A NAT router and the hosts behind it. */
  record Router(String ns, NatType type, String publicIp, List<Host> lan) {}

  /** The owning process's id, so that a lab never takes another running lab's namespaces. */
  private static final long PID = ProcessHandle.current().pid();

  private final String id = PID + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(0x100, 0xfff), 16);
  private final String inet = name("inet");
  private final List<String> namespaces = new ArrayList<>();
  private final Map<String, Router> routers = new LinkedHashMap<>();
  private int nextRouter = 1;
  private int bridgePorts;
  private final Thread cleanup = new Thread(this::close, "nat-lab-cleanup");

  /** Why the lab cannot run here, or null when it can. */
  static String unavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "the NAT lab needs root (network namespaces, nftables)";
    }
    for (String tool : new String[] {"ip", "nft"}) {
      if (!Sh.has(tool)) {
        return "the NAT lab needs '" + tool + "' (Debian packages iproute2, nftables)";
      }
    }
    return null;
  }

  /** For a benchmark's main: ends the process, status 2, saying why, when the lab cannot run here. */
  static void exitUnlessAvailable() {
    String why = unavailable();
    if (why != null) {
      System.err.println("the NAT lab does not run here: " + why);
      System.exit(2);
    }
  }

  Lab() {
    removeLeftovers();
    Runtime.getRuntime().addShutdownHook(cleanup);
    namespace(inet);
    Sh.in(inet, "ip", "link", "add", "br0", "type", "bridge");
    Sh.in(inet, "ip", "link", "set", "br0", "up");
  }

  private String name(String role) {
    return PREFIX + id + "-" + role;
  }

  private void namespace(String ns) {
    Sh.run("ip", "netns", "add", ns);
    namespaces.add(ns);
    Sh.in(ns, "ip", "link", "set", "lo", "up");
  }

  /** A host on the internet bridge, with routes to both public ranges. */
  Host publicHost(String role, String... ips) {
    String ns = name(role);
    namespace(ns);
    plugIntoBridge(ns, "eth0");
    for (String ip : ips) {
      Sh.in(ns, "ip", "addr", "add", ip + "/24", "dev", "eth0");
    }
    onLink(ns, "eth0");
    return new Host(ns, ips[0]);
  }

  /** A NAT router of the given type with {@code hosts} hosts behind it. */
  Router router(String role, NatType type, int hosts, boolean hairpin, int... hostPorts) {
    int n = nextRouter++;
    String ns = name(role);
    String publicIp = "198.51.100." + n;
    String lanNet = "10." + n + ".0.";
    namespace(ns);
    plugIntoBridge(ns, "eth0");
    Sh.in(ns, "ip", "addr", "add", publicIp + "/24", "dev", "eth0");
    onLink(ns, "eth0");
    Sh.in(ns, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    List<Host> lan = new ArrayList<>();
    Sh.in(ns, "ip", "link", "add", "br1", "type", "bridge");
    Sh.in(ns, "ip", "addr", "add", lanNet + "1/24", "dev", "br1");
    Sh.in(ns, "ip", "link", "set", "br1", "up");
    for (int h = 0; h < hosts; h++) {
      String hostNs = name(role + "-h" + (h + 1));
      namespace(hostNs);
      String port = "l" + h;
      Sh.run("ip", "link", "add", "eth0", "netns", hostNs, "type", "veth", "peer", "name", port, "netns", ns);
      Sh.in(ns, "ip", "link", "set", port, "master", "br1", "up");
      String ip = lanNet + (h + 2);
      Sh.in(hostNs, "ip", "addr", "add", ip + "/24", "dev", "eth0");
      Sh.in(hostNs, "ip", "link", "set", "eth0", "up");
      Sh.in(hostNs, "ip", "route", "add", "default", "via", lanNet + "1");
      lan.add(new Host(hostNs, ip));
    }
    StringBuilder reflect = new StringBuilder();
    if (hairpin) {
      for (int h = 0; h < lan.size(); h++) {
        reflect.append("iifname \"br1\" ip daddr ").append(publicIp).append(" udp dport ")
            .append(hostPorts[h]).append(" dnat to ").append(lan.get(h).ip()).append("\n");
      }
    }
    if (type != NatType.NONE) {
      String rules = type.ruleset(publicIp, lan.isEmpty() ? "" : lan.get(0).ip(), reflect.toString())
          .replace("\"eth1\"", "\"br1\"");
      nft(ns, rules);
    }
    Router r = new Router(ns, type, publicIp, lan);
    routers.put(role, r);
    return r;
  }

  /** The public address of a router: where its LAN's packets come from. */
  String publicIp(String role) {
    return routers.get(role).publicIp();
  }

  /** Lets UDP through a router that blocked it: its forward chain, where the block is, is emptied. */
  void allowUdp(String role) {
    Sh.in(routers.get(role).ns(), "nft", "flush", "chain", "ip", "lab", "forward");
  }

  /**
   * Drops a share of the UDP datagrams a host sends and of those it receives, at random, with
   * nftables' numgen (this kernel has no netem to do it with tc).
   *
   * @param perThousand datagrams in a thousand dropped each way
   */
  void loss(Host host, int perThousand) {
    String rule = "meta l4proto udp numgen random mod 1000 < " + perThousand + " drop";
    nft(host.ns(), """
        table ip loss {
          chain out { type filter hook output priority filter; policy accept; %s; }
          chain in { type filter hook input priority filter; policy accept; %s; }
        }
        """.formatted(rule, rule));
  }

  /**
   * Holds every packet a router forwards, both ways, for {@code ms} before it goes on: the delay of
   * the access link behind it (see {@link #delay}).
   */
  void delayRouter(String role, int ms) {
    delay(routers.get(role).ns(), "FORWARD", ms);
  }

  /** Holds every packet a host sends for {@code ms}: the host is that far from the rest. */
  void delayHost(Host host, int ms) {
    delay(host.ns(), "OUTPUT", ms);
  }

  /**
   * This kernel has no netem: iptables queues the chain's packets to userspace (NFQUEUE), where
   * delay.py holds each for the delay before it lets it go. With --queue-bypass packets pass
   * undelayed if the shim is not there, which a test that measures the delay then sees.
   */
  private void delay(String ns, String chain, int ms) {
    Sh.in(ns, "iptables-legacy", "-A", chain, "-j", "NFQUEUE", "--queue-num", "0", "--queue-bypass");
    try {
      Process shim = new ProcessBuilder("ip", "netns", "exec", ns, "python3",
          java.nio.file.Path.of("target", "test-classes", "delay.py").toString(), "0", String.valueOf(ms))
          .redirectErrorStream(true).start();
      java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(shim.getInputStream(),
          java.nio.charset.StandardCharsets.UTF_8));
      String first = out.readLine();
      if (first == null || !first.startsWith("delaying")) {
        shim.destroyForcibly();
        throw new IllegalStateException("the delay shim in " + ns + " did not start: " + first);
      }
      // Whatever it says later (a netlink error) is read and dropped: a full pipe would stall it,
      // and every packet with it.
      Thread drain = new Thread(() -> {
        try {
          while (out.readLine() != null) {
            // dropped
          }
        } catch (java.io.IOException e) {
          // the shim ended with its namespace
        }
      }, "nat-lab-delay-" + ns);
      drain.setDaemon(true);
      drain.start();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Why {@link #delayRouter} and {@link #delayHost} cannot run here, or null when they can. */
  static String noDelay() {
    for (String tool : new String[] {"iptables-legacy", "python3"}) {
      if (!Sh.has(tool)) {
        return "the lab's delay needs '" + tool + "' (Debian packages iptables, python3)";
      }
    }
    return null;
  }

  /**
   * Drops all UDP between a host and one address, both ways, in the host's namespace: a firewall
   * rule added under a live connection. {@link #reopen} removes it.
   */
  void blackHole(Host host, String peerIp) {
    nft(host.ns(), """
        table ip blackhole {
          chain out { type filter hook output priority filter; policy accept; ip daddr %s meta l4proto udp drop; }
          chain in { type filter hook input priority filter; policy accept; ip saddr %s meta l4proto udp drop; }
        }
        """.formatted(peerIp, peerIp));
  }

  /**
   * How long a router keeps an idle UDP mapping (conntrack's timeouts, both for one-way and for
   * two-way flows): a home router's is often 30 s, the kernel's default two minutes.
   */
  void udpTimeout(String role, int seconds) {
    Sh.in(routers.get(role).ns(), "sysctl", "-qw", "net.netfilter.nf_conntrack_udp_timeout=" + seconds,
        "net.netfilter.nf_conntrack_udp_timeout_stream=" + seconds);
  }

  /**
   * Makes a router drop all UDP its LAN exchanges with one address, both ways (its forward chain):
   * a filtering rule, where {@link #blackHole} is the host's own firewall. {@link #routerAllows}
   * removes it.
   */
  void routerDrops(String role, String peerIp) {
    nft(routers.get(role).ns(), """
        table ip cut {
          chain forward { type filter hook forward priority filter - 1; policy accept;
            ip daddr %s meta l4proto udp drop; ip saddr %s meta l4proto udp drop; }
        }
        """.formatted(peerIp, peerIp));
  }

  /** Removes the rule {@link #routerDrops} added, if there is one. */
  void routerAllows(String role) {
    Sh.tryRun(List.of("ip", "netns", "exec", routers.get(role).ns(), "nft", "delete", "table", "ip", "cut"));
  }

  /** Removes the rule {@link #blackHole} added, if there is one. */
  void reopen(Host host) {
    Sh.tryRun(List.of("ip", "netns", "exec", host.ns(), "nft", "delete", "table", "ip", "blackhole"));
  }

  private static void nft(String ns, String rules) {
    Sh.run("sh", "-c", "ip netns exec " + ns + " nft -f - <<'EOF'\n" + rules + "EOF\n");
  }

  private void plugIntoBridge(String ns, String ifname) {
    String port = "p" + (bridgePorts++);
    Sh.run("ip", "link", "add", ifname, "netns", ns, "type", "veth", "peer", "name", port, "netns", inet);
    Sh.in(inet, "ip", "link", "set", port, "master", "br0", "up");
    Sh.in(ns, "ip", "link", "set", ifname, "up");
  }

  /** Both public ranges are on the one bridge: reach either without a gateway. */
  private static void onLink(String ns, String ifname) {
    for (String net : new String[] {"203.0.113.0/24", "198.51.100.0/24"}) {
      Sh.tryRun(List.of("ip", "netns", "exec", ns, "ip", "route", "add", net, "dev", ifname));
    }
  }

  /** The namespaces this lab made and still has. */
  List<String> namespaces() {
    return List.copyOf(namespaces);
  }

  /** The lab namespaces this process made and still has. */
  static List<String> ownNamespaces() {
    return allLabNamespaces().stream().filter(ns -> ns.startsWith(PREFIX + PID + "-")).toList();
  }

  /** Every lab namespace on the machine, of any process. */
  static List<String> allLabNamespaces() {
    String out = Sh.tryRun(List.of("ip", "netns", "list"));
    List<String> all = new ArrayList<>();
    if (out != null) {
      for (String line : out.split("\n")) {
        String ns = line.split(" ")[0];
        if (ns.startsWith(PREFIX)) {
          all.add(ns);
        }
      }
    }
    return all;
  }

  /** Deletes the namespaces of labs whose process is gone (killed before it could clean up). */
  private static void removeLeftovers() {
    for (String ns : allLabNamespaces()) {
      String owner = ns.substring(PREFIX.length()).split("-")[0];
      boolean alive;
      try {
        alive = ProcessHandle.of(Long.parseLong(owner)).map(ProcessHandle::isAlive).orElse(false);
      } catch (NumberFormatException e) {
        alive = false;
      }
      if (!alive) {
        delete(ns);
      }
    }
  }

  /** Kills what runs in the namespace, then deletes it, and its links and rules with it. */
  private static void delete(String ns) {
    String pids = Sh.tryRun(List.of("ip", "netns", "pids", ns));
    if (pids != null) {
      pids.lines().filter(l -> !l.isBlank()).forEach(pid -> Sh.tryRun(List.of("kill", "-9", pid.strip())));
    }
    Sh.tryRun(List.of("ip", "netns", "del", ns));
  }

  @Override
  public synchronized void close() {
    namespaces.forEach(Lab::delete);
    namespaces.clear();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // already shutting down: this is the hook
    }
  }

  /** A node in a fresh home, in a host's namespace, with the lab's JVM options; not started. */
  static NodeProcess node(String name, Host host) throws java.io.IOException {
    return NodeProcess.freshHome(name).inNamespace(host.ns()).jvmOptions(NODE_JVM);
  }

  /**
   * The lab's hub on {@link #HUB}, not started: it admits every node, and its STUN server answers
   * from the second address too, for RFC 5780 behaviour discovery. {@code endpoint} adds lines to its
   * endpoint's configuration.
   */
  static NodeProcess hub(String name, Host host, String endpoint) throws java.io.IOException {
    return node(name, host)
        .config("io.macula.nat.endpoint", "bind = " + HUB + "\n" + endpoint)
        .config("io.macula.nat.hub", "admission = open\n")
        .config("io.macula.nat.stun.server", "address = " + HUB_IP + "\nalternate_address = " + HUB_ALTERNATE_IP + "\n");
  }
}
