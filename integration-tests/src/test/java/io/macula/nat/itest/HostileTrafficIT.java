package io.macula.nat.itest;

import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Attacks from outside, kept as regression tests: a node with a 64 MB heap takes a million spoofed
 * QUIC Initials, each from a new address, and a million relay frames forged with the hub's
 * address, each naming a new node (their MACs, under no key the node has, are refused and
 * counted); it serves on, and its live heap stays where it was.
 */
public class HostileTrafficIT {
  private static final int SPOOFED = Integer.getInteger("hostile.count", 1_000_000);
  private static final long HEAP_MARGIN_KB = 16 * 1024;
  private static Mesh mesh;
  private static NodeProcess a;
  private static NodeProcess b;

  @BeforeClass
  public static void startMesh() throws Exception {
    String why = !"root".equals(System.getProperty("user.name")) ? "raw sockets need root"
        : Files.isExecutable(Path.of("/usr/bin/python3")) ? null : "the spoofer needs python3";
    if (why != null && "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("CI must run the hostile traffic tests, but " + why);
    }
    if (why != null) {
      System.err.println("SKIPPED: the hostile traffic tests: " + why);
    }
    Assume.assumeTrue(why, why == null);
    mesh = Mesh.start("hostile");
    a = mesh.node("hostile-a", true, "-Xmx64m");
    b = mesh.node("hostile-b", true);
  }

  @AfterClass
  public static void stopMesh() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  public void spoofedInitialsAndForgedRelayFramesLeaveANodeServingWithItsHeapFlat() throws Exception {
    assertTrue(a.ok("nat:connect", b.id()).contains("connected"));
    long before = liveHeapKb(a);
    int port = port(a.ok("nat:id"));

    spoof("initials", String.valueOf(port), String.valueOf(SPOOFED));
    spoof("relay", String.valueOf(port), String.valueOf(mesh.hubPort), String.valueOf(SPOOFED));

    long after = liveHeapKb(a);
    System.out.printf("hostile traffic: %d spoofed Initials, %d forged relay frames; live heap %d KB before, %d KB after%n",
        SPOOFED, SPOOFED, before, after);
    assertTrue("live heap " + before + " KB before, " + after + " KB after", after - before < HEAP_MARGIN_KB);
    long forged = drops(a.ok("nat:drops"), "bad-relay-mac");
    assertTrue("forged relay frames counted: " + forged, forged > SPOOFED / 10);
    assertTrue(a.ok("nat:ping", b.id(), "3").contains("3 probes"));
    assertTrue(a.ok("nat:send", b.id(), "5").contains("matches"));
    String log = a.log();
    assertTrue("the node ran out of memory", !log.contains("OutOfMemoryError"));
  }

  /** Runs the raw-socket spoofer; it prints how many datagrams it sent. */
  private static void spoof(String... args) throws IOException, InterruptedException {
    Path script = Path.of("target", "test-classes", "spoof.py");
    List<String> command = new java.util.ArrayList<>(List.of("python3", script.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertTrue("the spoofer ends", p.waitFor(10, TimeUnit.MINUTES));
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertTrue("the spoofer: " + out, p.exitValue() == 0 && out.endsWith(String.valueOf(SPOOFED)));
  }

  /** The node's heap after a full collection: what it really holds. */
  static long liveHeapKb(NodeProcess node) throws IOException, InterruptedException {
    run("jcmd", String.valueOf(node.pid()), "GC.run");
    String info = run("jcmd", String.valueOf(node.pid()), "GC.heap_info");
    // The heap's own lines ("garbage-first heap total 65536K, used 12345K"), not Metaspace's.
    Matcher m = Pattern.compile("(?m)^\\s*\\S.*?(?:heap|generation|Gen)\\s+total \\d+K, used (\\d+)K").matcher(info);
    long used = 0;
    while (m.find()) {
      used += Long.parseLong(m.group(1));
    }
    // ZGC's one line: " ZHeap           used 40M, capacity 512M, max capacity 512M".
    Matcher z = Pattern.compile("ZHeap\\s+used (\\d+)M").matcher(info);
    if (used == 0 && z.find()) {
      used = Long.parseLong(z.group(1)) * 1024;
    }
    assertTrue(info, used > 0);
    return used;
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertTrue(String.join(" ", command), p.waitFor(60, TimeUnit.SECONDS));
    return new String(p.getInputStream().readAllBytes());
  }

  /** One reason's count in nat:drops. */
  private static long drops(String table, String reason) {
    Matcher m = Pattern.compile("(?m)^" + reason + "\\s+(\\d+)\\s*$").matcher(table);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static int port(String id) {
    Matcher m = Pattern.compile(":(\\d+)").matcher(id);
    assertTrue(id, m.find());
    return Integer.parseInt(m.group(1));
  }
}
