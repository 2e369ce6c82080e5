package io.macula.nat.itest;

import io.macula.nat.api.NodeId;
import io.macula.nat.transport.internal.LightNodes;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Many hubs: three hubs, each a node process in -Xms512m -Xmx512m, on one directory (the first
 * hub's embedded ZooKeeper), and light nodes (see {@link HubScaleBenchmark}) spread over them.
 * Prints the registrations a second, the round trip of signals between nodes homed at different
 * hubs (forwarded from hub to hub) p50/p99, and, once the third hub is killed with SIGKILL, the
 * time until every one of its nodes registered with another hub. Each node stands by at one of the
 * other hubs, as a node does at its first fallback; before the kill, {@link #CHURN} nodes of each
 * hub that outlives it move to the other (-Dbenchmark.churn=N, 0 for none), as nodes move now and
 * then, so that those hubs ran their registrations on standbys before it, as hubs that served a
 * while did. A killed hub's node notices its hub gone after three pings unanswered, or when the
 * hub it stands by at says its hub left the mesh (or went silent to it) and its hub then answers no
 * ping for a second, and registers on its standby (or else connects anew).
 * Each registration on a standby is split in two: the wait for the light node's event loop to
 * write it, and the wait for the hub's answer.
 *
 * <p>{@code mvn -q -pl integration-tests exec:java@meshscale [-Dexec.args="NODES [PING_MS [SIGNALS_PER_S]]"]
 * [-Dbenchmark.hubjvm="OPTIONS"] [-Dbenchmark.rtts=FILE] [-Dbenchmark.churn=N]}: 10,000 nodes by
 * default, each pinging every 1000 ms, 500 signals a second, 1,000 moving each way; the hubs' JVMs
 * take the options given too, and FILE gets each signal's due time and round trip.
 */
public final class MeshScaleBenchmark {
  private static final int HUBS = 3;
  private static final int SIGNALS = 5_000;
  /** Signals sent first and measured apart: the forwarding's first seconds, compiled meanwhile. */
  private static final int WARM_UP_SIGNALS = 1_000;
  private static final int MISSES = 3;
  /** Nodes of each of the two hubs that outlive the kill that move to the other before it (-Dbenchmark.churn). */
  private static final int CHURN = 1_000;
  private static final Duration REHOME_DEADLINE = Duration.ofSeconds(120);
  private static final Duration IDLE = Duration.ofSeconds(20);
  /** How long a node told its hub left waits for that hub to answer a ping, as a node does. */
  private static final Duration GONE_CHECK = Duration.ofSeconds(1);

  private MeshScaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    Duration pingEvery = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 1000);
    int signalsPerSecond = args.length > 2 ? Integer.parseInt(args[2]) : HubScaleBenchmark.SIGNALS_PER_SECOND;
    io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
        io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE);
    List<NodeProcess> hubs = new ArrayList<>();
    List<InetSocketAddress> addresses = new ArrayList<>();
    List<NodeId> ids = new ArrayList<>();
    try (LightNodes nodes = new LightNodes(2, pingEvery)) {
      for (int h = 0; h < HUBS; h++) {
        int port = Mesh.freeUdpPort();
        String zookeeper = h == 0 ? "" : "zookeeper = " + hubs.get(0).embeddedZooKeeper() + "\n";
        // A hub's heap fixed and touched at start, as a deployment's should be: left to size itself,
        // G1 collected every few seconds; left untouched, a collection paid the page faults of the
        // regions it first copied into (pauses up to 188 ms, up to 0.10 s of it in the kernel).
        List<String> jvm = new ArrayList<>(List.of("-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"));
        jvm.addAll(StartupBenchmark.jvmOptions("benchmark.hubjvm")); // -XX:StartFlightRecording=..., say
        NodeProcess hub = NodeProcess.freshHome("meshscale-hub" + h).jvmOptions(jvm.toArray(String[]::new))
            .config("io.macula.nat.endpoint", "bind = 127.0.0.1:" + port + "\n")
            .config("io.macula.nat.hub", "admission = open\n" + zookeeper)
            .start();
        hubs.add(hub);
        addresses.add(new InetSocketAddress("127.0.0.1", port));
        ids.add(NodeId.parse(hub.id()));
      }
      for (NodeProcess hub : hubs) {
        Await.until("each hub lists the three", () -> hub.ok("hub:hubs").lines()
            .filter(l -> !l.startsWith("directory:") && !l.startsWith("counters:") && !l.startsWith("HUB ")).count() == HUBS,
            Duration.ofSeconds(60));
      }

      List<LightNodes.Identity> identities =
          IntStream.range(0, count).parallel().mapToObj(i -> new LightNodes.Identity()).toList();
      HubScaleBenchmark.Echoes echoes = new HubScaleBenchmark.Echoes();
      List<List<LightNodes.Node>> at = new ArrayList<>();
      List<List<LightNodes.Identity>> identitiesAt = new ArrayList<>();
      for (int h = 0; h < HUBS; h++) {
        at.add(new ArrayList<>());
        int hub = h;
        identitiesAt.add(IntStream.range(0, count).filter(i -> i % HUBS == hub).mapToObj(identities::get).toList());
      }
      long started = System.nanoTime();
      List<Double> latencies = new ArrayList<>();
      for (int h = 0; h < HUBS; h++) {
        latencies.addAll(HubScaleBenchmark.register(nodes, identitiesAt.get(h), addresses.get(h), ids.get(h), echoes,
            at.get(h)));
      }
      double took = seconds(started);
      int registered = at.stream().mapToInt(List::size).sum();
      System.out.printf(Locale.ROOT, "registered %d of %d nodes over %d hubs in %.1f s: %.0f registrations a second,"
          + " each p50 %.1f ms p99 %.1f ms%n", registered, count, HUBS, took, registered / took,
          percentile(latencies, 50), percentile(latencies, 99));

      System.out.println("datagrams the kernel dropped at each hub's socket, after registering: " + drops(addresses));

      // Each node stands by at one of the other hubs, as a node does at its first fallback.
      long standbyFrom = System.nanoTime();
      List<CompletableFuture<Void>> standbys = new ArrayList<>();
      java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(HubScaleBenchmark.IN_FLIGHT);
      for (int h = 0; h < HUBS; h++) {
        List<LightNodes.Node> here = at.get(h);
        for (int i = 0; i < here.size(); i++) {
          int other = standbyHub(h, i);
          slots.acquire(); // as many at once as registering
          standbys.add(here.get(i).standBy(addresses.get(other), ids.get(other)).whenComplete((x, e) -> slots.release()));
        }
      }
      int standing = 0;
      for (CompletableFuture<Void> f : standbys) {
        try {
          f.get(60, TimeUnit.SECONDS);
          standing++;
        } catch (Exception e) {
          // counted as not standing by
        }
      }
      double standbyTook = seconds(standbyFrom);
      System.out.printf(Locale.ROOT, "%d of %d nodes stand by at another hub, in %.1f s: %.0f a second%n", standing,
          registered, standbyTook, standing / standbyTook);
      // Nodes move between hubs now and then (a network change, a hub gone quiet to them), so the
      // hubs that will outlive the kill have registered nodes on standbys and moved homes in the
      // directory before it, as hubs that served a while have, and their JITs compiled that code.
      long churnFrom = System.nanoTime();
      int churned = churn(at, addresses, ids);
      System.out.printf(Locale.ROOT, "churn: %d nodes of hubs 1 and 2 moved to their standby at the other, and stand"
          + " by at the hub they left, in %.1f s%n", churned, seconds(churnFrom));
      // Keep-alives only, as in the one-hub benchmark: the hubs' CPU, once registering is over.
      long[] cpuFrom = new long[HUBS];
      for (int h = 0; h < HUBS; h++) {
        cpuFrom[h] = StartupBenchmark.cpuTicks(hubs.get(h).pid());
      }
      long idleFrom = System.nanoTime();
      Thread.sleep(IDLE.toMillis()); // the span being measured
      double idleSeconds = seconds(idleFrom);
      double cores = 0;
      for (int h = 0; h < HUBS; h++) {
        cores += (StartupBenchmark.cpuTicks(hubs.get(h).pid()) - cpuFrom[h]) / StartupBenchmark.TICKS_PER_SECOND;
      }
      System.out.printf(Locale.ROOT, "keep-alive: the %d hubs use %.2f cores in all; drops after it: %s%n", HUBS,
          cores / idleSeconds, drops(addresses));

      // The forwarding between hubs runs for the first time here: its first seconds, while the JITs
      // compile it on the loaded cores, are a round of their own.
      List<Double> warmUp = crossHubSignals(at, echoes, 0, WARM_UP_SIGNALS, signalsPerSecond);
      System.out.printf(Locale.ROOT, "signalling warm-up: %d round trips of %d; p50 %.2f ms p99 %.2f ms max %.2f ms%n",
          warmUp.size(), WARM_UP_SIGNALS, percentile(warmUp, 50), percentile(warmUp, 99), percentile(warmUp, 100));
      long signalsFrom = System.currentTimeMillis();
      List<Double> rtts = crossHubSignals(at, echoes, WARM_UP_SIGNALS, SIGNALS, signalsPerSecond);
      String rttFile = System.getProperty("benchmark.rtts");
      if (rttFile != null) { // to lay beside the processes' GC logs: when each signal was due, and its round trip
        List<String> lines = new ArrayList<>();
        echoes.bySequence().forEach((sequence, rtt) -> lines.add(String.format(Locale.ROOT, "%tT.%<tL %.2f",
            signalsFrom + (sequence - WARM_UP_SIGNALS) * 1000L / signalsPerSecond, rtt)));
        java.nio.file.Files.write(java.nio.file.Path.of(rttFile), lines);
      }
      System.out.printf(Locale.ROOT, "signalling between nodes of different hubs: %d round trips of %d at %d a second;"
          + " p50 %.2f ms p99 %.2f ms max %.2f ms%n", rtts.size(), SIGNALS, signalsPerSecond, percentile(rtts, 50),
          percentile(rtts, 99), percentile(rtts, 100));
      List<Long> dropsAfterSignalling = drops(addresses);
      for (int h = 0; h < HUBS; h++) {
        int hub = h;
        hubs.get(h).ok("hub:hubs").lines().filter(l -> l.startsWith("counters:"))
            .forEach(l -> System.out.println("hub " + (hub + 1) + " " + l));
        System.out.printf(Locale.ROOT, "hub %d: %d datagrams the kernel dropped at its socket (receive buffer full)%n",
            hub + 1, dropsAfterSignalling.get(h));
      }

      // The last hub dies. Each of its nodes moves on as a node does: once three pings went
      // unanswered, or once the hub it stands by at said its hub left the mesh and its hub then
      // answered no ping for a second; it registers on its standby, or else connects anew.
      List<LightNodes.Node> orphans = at.get(HUBS - 1);
      NodeId killedId = ids.get(HUBS - 1);
      List<Long> dropsBeforeKill = drops(addresses.subList(0, HUBS - 1));
      List<Double> sinceKill = java.util.Collections.synchronizedList(new ArrayList<>());
      SocketTimeline timeline = new SocketTimeline(addresses.subList(0, HUBS - 1),
          hubs.subList(0, HUBS - 1).stream().map(NodeProcess::pid).toList(), sinceKill::size);
      long[] cpuAtKill = cpuTicks(hubs.subList(0, HUBS - 1));
      long[] machineAtKill = machineTicks();
      List<java.util.Map<String, Long>> threadsAtKill = new ArrayList<>();
      for (NodeProcess hub : hubs.subList(0, HUBS - 1)) {
        threadsAtKill.add(threadTicks(hub.pid()));
      }
      timeline.prime(dropsBeforeKill);
      hubs.get(HUBS - 1).kill();
      long killed = System.nanoTime();
      timeline.start(killed);
      List<CompletableFuture<LightNodes.Node>> rehomed = new ArrayList<>();
      List<Double> sinceNoticed = java.util.Collections.synchronizedList(new ArrayList<>());
      boolean[] moving = new boolean[orphans.size()];
      long[] checkedFrom = new long[orphans.size()];
      Duration lost = pingEvery.multipliedBy(MISSES);
      long deadline = killed + REHOME_DEADLINE.toNanos();
      long firstNoticed = 0;
      long firstTold = 0;
      int onStandby = 0;
      int told = 0;
      while (rehomed.size() < orphans.size() && System.nanoTime() < deadline) {
        for (int i = 0; i < orphans.size(); i++) {
          LightNodes.Node n = orphans.get(i);
          if (moving[i]) {
            continue;
          }
          long now = System.nanoTime();
          boolean silent = n.silence().compareTo(lost) > 0;
          if (!silent && checkedFrom[i] == 0 && n.goneHub(killed).filter(killedId::equals).isPresent()) {
            checkedFrom[i] = now;
            firstTold = firstTold == 0 ? now : firstTold;
            n.send(new io.macula.nat.hub.protocol.HubMessage.Ping(now));
          }
          boolean unanswered = checkedFrom[i] != 0 && now - checkedFrom[i] > GONE_CHECK.toNanos()
              && n.silence().toNanos() > now - checkedFrom[i];
          if (silent || unanswered) {
            moving[i] = true;
            told += unanswered && !silent ? 1 : 0;
            firstNoticed = firstNoticed == 0 ? now : firstNoticed;
            int first = i % (HUBS - 1);
            CompletableFuture<LightNodes.Node> moved;
            if (n.standingBy()) {
              onStandby++;
              moved = n.registerOnStandby().exceptionallyCompose(e -> rehome(n, first, addresses.subList(0, HUBS - 1),
                  ids.subList(0, HUBS - 1), deadline));
            } else {
              moved = rehome(n, first, addresses.subList(0, HUBS - 1), ids.subList(0, HUBS - 1), deadline);
            }
            long noticed = now;
            rehomed.add(moved.whenComplete((x, e) -> {
              if (e == null) {
                long done = System.nanoTime();
                sinceKill.add((done - killed) / 1e6);
                sinceNoticed.add((done - noticed) / 1e6);
              }
            }));
          }
        }
        TimeUnit.MILLISECONDS.sleep(20); // the nodes' own keep-alive check runs on a timer too
      }
      int done = 0;
      long lastDone;
      java.util.Map<String, Integer> failures = new java.util.TreeMap<>();
      for (CompletableFuture<LightNodes.Node> f : rehomed) {
        try {
          f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          done++;
        } catch (Exception e) {
          failures.merge(why(e), 1, Integer::sum); // counted as not re-homed
        }
      }
      lastDone = System.nanoTime();
      timeline.stop();
      long[] cpuAtEnd = cpuTicks(hubs.subList(0, HUBS - 1));
      long[] machineAtEnd = machineTicks();
      List<java.util.Map<String, Long>> threadsAtEnd = new ArrayList<>();
      for (NodeProcess hub : hubs.subList(0, HUBS - 1)) {
        threadsAtEnd.add(threadTicks(hub.pid()));
      }
      System.out.printf(Locale.ROOT, "hub 3 killed: %d of its %d nodes registered with another hub within %.1f s"
          + " of the kill (each notices after %d unanswered pings, %d ms), %.1f s after the first noticed%n", done,
          orphans.size(), (lastDone - killed) / 1e9, MISSES, lost.toMillis(), (lastDone - firstNoticed) / 1e9);
      failures.forEach((why, n) -> System.out.println("  not re-homed: " + n + " x " + why));
      List<Double> kill = new ArrayList<>(sinceKill);
      List<Double> own = new ArrayList<>(sinceNoticed);
      System.out.printf(Locale.ROOT, "  registered again, ms after the kill: p50 %.0f p90 %.0f p99 %.0f max %.0f;"
          + " after the node noticed: p50 %.0f p90 %.0f p99 %.0f max %.0f%n", percentile(kill, 50), percentile(kill, 90),
          percentile(kill, 99), percentile(kill, 100), percentile(own, 50), percentile(own, 90), percentile(own, 99),
          percentile(own, 100));
      // Where the registrations on standbys waited: for the node's event loop, or for the hub's answer.
      List<Double> loopWait = new ArrayList<>();
      List<Double> answerWait = new ArrayList<>();
      // The answers of registrations whose connection lost packets meanwhile (QUIC resent them), and of the rest.
      List<Double> answerAfterLoss = new ArrayList<>();
      List<Double> answerWithoutLoss = new ArrayList<>();
      for (CompletableFuture<LightNodes.Node> f : rehomed) {
        LightNodes.Node n = f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
        if (n != null) {
          n.registrationSpans().ifPresent(spans -> {
            loopWait.add(spans[0]);
            answerWait.add(spans[1]);
            n.lostWhileRegistering().ifPresent(lostPackets ->
                (lostPackets > 0 ? answerAfterLoss : answerWithoutLoss).add(spans[1]));
          });
        }
      }
      System.out.printf(Locale.ROOT, "  on standbys (%d): the node's loop took p50 %.0f p99 %.0f max %.0f ms to write"
          + " the registration, the hub's answer came p50 %.0f p99 %.0f max %.0f ms after it%n", loopWait.size(),
          percentile(loopWait, 50), percentile(loopWait, 99), percentile(loopWait, 100), percentile(answerWait, 50),
          percentile(answerWait, 99), percentile(answerWait, 100));
      System.out.printf(Locale.ROOT, "  answers where QUIC lost packets on the way (%d): p50 %.0f max %.0f ms; where it"
          + " lost none (%d): p50 %.0f max %.0f ms%n", answerAfterLoss.size(), percentile(answerAfterLoss, 50),
          percentile(answerAfterLoss, 100), answerWithoutLoss.size(), percentile(answerWithoutLoss, 50),
          percentile(answerWithoutLoss, 100));
      System.out.printf(Locale.ROOT, "  %d moved on their standby; %d when told their hub left the mesh (the first told"
          + " %.1f s after the kill), the rest after their pings went unanswered%n", onStandby, told,
          firstTold == 0 ? Double.NaN : (firstTold - killed) / 1e9);
      timeline.print();
      double rehomingSeconds = (lastDone - killed) / 1e9;
      StringBuilder cpu = new StringBuilder("  cores used from the kill until the last re-homed:");
      for (int h = 0; h < HUBS - 1; h++) {
        cpu.append(String.format(Locale.ROOT, " hub %d%s %.2f,", h + 1, h == 0 ? " (with the ZooKeeper server)" : "",
            (cpuAtEnd[h] - cpuAtKill[h]) / StartupBenchmark.TICKS_PER_SECOND / rehomingSeconds));
      }
      System.out.println(cpu.append(String.format(Locale.ROOT, " the light nodes %.2f (%d cores in all)",
          (cpuAtEnd[HUBS - 1] - cpuAtKill[HUBS - 1]) / StartupBenchmark.TICKS_PER_SECOND / rehomingSeconds,
          Runtime.getRuntime().availableProcessors())));
      double[] machine = new double[machineAtEnd.length];
      for (int i = 0; i < machine.length; i++) {
        machine[i] = (machineAtEnd[i] - machineAtKill[i]) / StartupBenchmark.TICKS_PER_SECOND / rehomingSeconds;
      }
      for (int h = 0; h < HUBS - 1; h++) {
        java.util.Map<String, Long> before = threadsAtKill.get(h);
        StringBuilder top = new StringBuilder(String.format(Locale.ROOT, "  hub %d's threads, cores:", h + 1));
        threadsAtEnd.get(h).entrySet().stream()
            .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
            .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
            .forEach(e -> top.append(String.format(Locale.ROOT, " %s %.2f,", e.getKey(),
                e.getValue() / StartupBenchmark.TICKS_PER_SECOND / rehomingSeconds)));
        System.out.println(top);
      }
      // /proc/stat's columns: user nice system idle iowait irq softirq steal ...
      System.out.printf(Locale.ROOT, "  the machine meanwhile: user %.2f, system %.2f, softirq %.2f (the loopback's"
          + " packets, charged to no process), idle %.2f cores%n", machine[0] + machine[1], machine[2], machine[6],
          machine[3] + machine[4]);
      System.out.println("  datagrams the kernel dropped at the live hubs' sockets in all: "
          + drops(addresses.subList(0, HUBS - 1)) + " (before the kill: " + dropsBeforeKill + ")");
      String rehoming = orphans.size() < 3000 ? "not measured (" + orphans.size() + " nodes on the killed hub)"
          : done == orphans.size() && lastDone - killed < 10_000_000_000L ? "met" : "NOT met";
      System.out.printf(Locale.ROOT, "goals: re-homing of 3,000 nodes within 10 s %s; cross-hub signalling p99 < 20 ms"
          + " %s%n", rehoming, !rtts.isEmpty() && percentile(rtts, 99) < 20 ? "met" : "NOT met");
      at.forEach(list -> list.forEach(LightNodes.Node::close));
    } finally {
      hubs.forEach(NodeProcess::close);
    }
  }

  /**
   * Moves {@link #CHURN} nodes of each of the first two hubs to the other one, where they stand by:
   * each registers on its standby and then stands by at the hub it left, as a node does once it
   * moved. The lists of nodes by hub follow. Returns how many moved and stand by again.
   */
  private static int churn(List<List<LightNodes.Node>> at, List<InetSocketAddress> addresses, List<NodeId> ids)
      throws InterruptedException {
    int churn = Integer.getInteger("benchmark.churn", CHURN);
    java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(HubScaleBenchmark.IN_FLIGHT);
    List<List<Integer>> leaving = new ArrayList<>();
    List<List<CompletableFuture<LightNodes.Node>>> moves = new ArrayList<>();
    for (int h = 0; h < 2; h++) {
      int from = h;
      int to = 1 - h;
      List<LightNodes.Node> here = at.get(from);
      // Those whose standby is at the other hub.
      List<Integer> picked = IntStream.range(0, here.size())
          .filter(i -> standbyHub(from, i) == to).limit(churn).boxed().toList();
      List<CompletableFuture<LightNodes.Node>> these = new ArrayList<>();
      for (int i : picked) {
        slots.acquire();
        these.add(here.get(i).registerOnStandby().thenCompose(moved ->
                moved.standBy(addresses.get(from), ids.get(from)).thenApply(x -> moved))
            .whenComplete((x, e) -> slots.release()));
      }
      leaving.add(picked);
      moves.add(these);
    }
    int done = 0;
    List<List<LightNodes.Node>> arrived = List.of(new ArrayList<>(), new ArrayList<>());
    java.util.Map<String, Integer> failures = new java.util.TreeMap<>();
    for (int h = 0; h < 2; h++) {
      java.util.Set<Integer> gone = new java.util.HashSet<>(leaving.get(h));
      for (CompletableFuture<LightNodes.Node> f : moves.get(h)) {
        try {
          arrived.get(1 - h).add(f.get(60, TimeUnit.SECONDS));
          done++;
        } catch (Exception e) { // not moved, or not standing by: left out of the signalling
          failures.merge(why(e), 1, Integer::sum);
        }
      }
      List<LightNodes.Node> stay = new ArrayList<>();
      for (int i = 0; i < at.get(h).size(); i++) {
        if (!gone.contains(i)) {
          stay.add(at.get(h).get(i));
        }
      }
      at.set(h, stay);
    }
    for (int h = 0; h < 2; h++) {
      at.get(h).addAll(arrived.get(h));
    }
    failures.forEach((why, n) -> System.out.println("  not moved: " + n + " x " + why));
    return done;
  }

  /** The hub the {@code i}th node homed at hub {@code home} stands by at: the other hubs in turn. */
  private static int standbyHub(int home, int i) {
    return (home + 1 + i % (HUBS - 1)) % HUBS;
  }

  /** Why a move failed, with ids left out so that failures of one kind count together. */
  private static String why(Exception e) {
    return String.valueOf(e.getCause() == null ? e : e.getCause()).replaceAll("[0-9a-f]{16,}", "…");
  }

  private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  private static final java.util.concurrent.ScheduledExecutorService RETRIES =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rehome-retries");
        t.setDaemon(true);
        return t;
      });

  /**
   * Re-homes a node as a node's hub session does: a hub that fails it, the next one at once; after
   * a round of the hubs in which none took it, a wait of 250 ms, doubling to 5 s; until the deadline.
   */
  private static CompletableFuture<LightNodes.Node> rehome(LightNodes.Node node, int first,
      List<InetSocketAddress> addresses, List<NodeId> ids, long deadlineNanos) {
    return rehome(node, first, first, addresses, ids, FIRST_BACKOFF, deadlineNanos);
  }

  private static CompletableFuture<LightNodes.Node> rehome(LightNodes.Node node, int hub, int roundStart,
      List<InetSocketAddress> addresses, List<NodeId> ids, Duration backoff, long deadlineNanos) {
    return node.rehome(addresses.get(hub), ids.get(hub)).handle((next, failure) -> {
      if (failure == null) {
        return CompletableFuture.completedFuture(next);
      }
      if (System.nanoTime() > deadlineNanos) {
        return CompletableFuture.<LightNodes.Node>failedFuture(failure);
      }
      int other = (hub + 1) % addresses.size();
      if (other != roundStart) {
        return rehome(node, other, roundStart, addresses, ids, backoff, deadlineNanos); // the round goes on
      }
      Duration longer = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      return CompletableFuture.supplyAsync(() -> null,
              CompletableFuture.delayedExecutor(backoff.toMillis(), TimeUnit.MILLISECONDS, RETRIES))
          .thenCompose(x -> rehome(node, other, roundStart, addresses, ids, longer, deadlineNanos));
    }).thenCompose(f -> f);
  }

  /** The CPU ticks each of these hubs used so far, and last, those of this process (the light nodes). */
  private static long[] cpuTicks(List<NodeProcess> hubs) throws java.io.IOException {
    long[] ticks = new long[hubs.size() + 1];
    for (int h = 0; h < hubs.size(); h++) {
      ticks[h] = StartupBenchmark.cpuTicks(hubs.get(h).pid());
    }
    ticks[hubs.size()] = StartupBenchmark.cpuTicks(ProcessHandle.current().pid());
    return ticks;
  }

  /** A process's CPU ticks so far by thread name (a pool's number taken off the end: its threads add up). */
  private static java.util.Map<String, Long> threadTicks(long pid) throws java.io.IOException {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    for (java.nio.file.Path task : tasks(pid)) {
      try {
        String name = java.nio.file.Files.readString(task.resolve("comm")).strip().replaceAll("[-#:]?[0-9]+$", "");
        out.merge(name, StartupBenchmark.cpuTicks(task.resolve("stat")), Long::sum);
      } catch (java.nio.file.NoSuchFileException e) {
        // the thread ended
      }
    }
    return out;
  }

  /** The folders of a process's threads, /proc/PID/task/TID. */
  private static List<java.nio.file.Path> tasks(long pid) throws java.io.IOException {
    try (java.util.stream.Stream<java.nio.file.Path> tasks =
        java.nio.file.Files.list(java.nio.file.Path.of("/proc", Long.toString(pid), "task"))) {
      return tasks.toList();
    }
  }

  /** The machine's CPU ticks so far by kind, as /proc/stat's first line counts them. */
  private static long[] machineTicks() throws java.io.IOException {
    String[] cells = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).strip().split("\\s+");
    long[] ticks = new long[cells.length - 1];
    for (int i = 1; i < cells.length; i++) {
      ticks[i - 1] = Long.parseLong(cells[i]);
    }
    return ticks;
  }

  /** Each hub's socket drops so far, in hub order. */
  private static List<Long> drops(List<InetSocketAddress> hubs) throws java.io.IOException {
    return socketStats(hubs).stream().map(queuedAndDropped -> queuedAndDropped[1]).toList();
  }

  private static final java.util.regex.Pattern SKMEM = java.util.regex.Pattern.compile("skmem:\\(r(\\d+),.*,d(\\d+)\\)");

  /**
   * Each hub's socket, in hub order: the bytes in its receive queue, and the datagrams it dropped so
   * far (queue full); -1 each for a socket not found. From {@code ss}, with a filter the kernel
   * applies: /proc/net/udp lists every light node's socket, and reading it took a core.
   */
  private static List<long[]> socketStats(List<InetSocketAddress> hubs) throws java.io.IOException {
    String filter = String.join(" or ", hubs.stream().map(h -> "sport = :" + h.getPort()).toList());
    Process ss = new ProcessBuilder("ss", "-uamnH", filter).redirectErrorStream(true).start();
    List<String> out = new String(ss.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
        .lines().toList();
    List<long[]> stats = new ArrayList<>();
    for (InetSocketAddress hub : hubs) {
      long[] queuedAndDropped = {-1, -1};
      for (int i = 0; i + 1 < out.size(); i++) {
        java.util.regex.Matcher m = SKMEM.matcher(out.get(i + 1));
        if (out.get(i).contains(":" + hub.getPort() + " ") && m.find()) {
          queuedAndDropped = new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
        }
      }
      stats.add(queuedAndDropped);
    }
    return stats;
  }

  /**
   * The live hubs' sockets while nodes re-home, every {@link #EVERY} ({@link #socketStats}):
   * the bytes waiting in each one's receive queue (its loop behind) and the datagrams it dropped
   * (queue full), beside how many nodes re-homed by then; and whether a hub's loop was behind
   * for want of a core: its busiest event loop thread's time on a core and waiting for one in the
   * kernel's run queue ({@code /proc/PID/task/TID/schedstat}), and the machine's idle share.
   */
  private static final class SocketTimeline {
    private static final Duration EVERY = Duration.ofMillis(250);
    private final List<InetSocketAddress> hubs;
    private final List<Long> pids;
    private final java.util.function.IntSupplier rehomed;
    /** Per hub, each event loop thread's on-core and run-queue nanoseconds at the last sample. */
    private final List<java.util.Map<String, long[]>> lastSched = new ArrayList<>();
    private long[] lastCpu;
    private final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
    private final java.util.concurrent.ScheduledExecutorService sampler =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "socket-timeline");
          t.setDaemon(true); // a run that fails does not wait for it
          return t;
        });
    private long[] lastDrops;

    SocketTimeline(List<InetSocketAddress> hubs, List<Long> pids, java.util.function.IntSupplier rehomed) {
      this.hubs = hubs;
      this.pids = pids;
      this.rehomed = rehomed;
      pids.forEach(p -> lastSched.add(new java.util.HashMap<>()));
    }

    /**
     * Takes the loops' and the machine's counters now (before the kill), so that the first sample
     * has a span too; {@code drops} are the sockets' drops read just now.
     */
    void prime(List<Long> drops) throws java.io.IOException {
      for (int h = 0; h < hubs.size(); h++) {
        busiestLoop(h);
      }
      idleShare();
      lastDrops = drops.stream().mapToLong(Long::longValue).toArray();
    }

    void start(long fromNanos) {
      sampler.scheduleAtFixedRate(() -> sample(fromNanos), 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sample(long fromNanos) {
      try {
        List<long[]> stats = socketStats(hubs);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %5.2f s:", seconds(fromNanos)));
        long[] drops = new long[hubs.size()];
        for (int h = 0; h < hubs.size(); h++) {
          long queued = stats.get(h)[0];
          drops[h] = stats.get(h)[1];
          long[] loop = busiestLoop(h);
          line.append(String.format(Locale.ROOT, " hub %d queued %4d KB dropped %6d loop %3d/%3d ms;", h + 1,
              queued / 1024, drops[h] - lastDrops[h], loop[0] / 1_000_000, loop[1] / 1_000_000));
        }
        lastDrops = drops;
        lines.add(line.append(String.format(Locale.ROOT, " idle %3.0f%%; re-homed %d", idleShare() * 100,
            rehomed.getAsInt())).toString());
      } catch (java.io.IOException e) {
        lines.add("  " + e);
      }
    }

    void stop() {
      sampler.shutdownNow();
    }

    /** The on-core and run-queue nanoseconds since the last sample of the hub's busiest event loop thread. */
    private long[] busiestLoop(int hub) throws java.io.IOException {
      long[] busiest = {0, 0};
      java.util.Map<String, long[]> last = lastSched.get(hub);
      for (java.nio.file.Path task : tasks(pids.get(hub))) {
        try {
          if (!java.nio.file.Files.readString(task.resolve("comm")).startsWith("multiThreadIoEv")) {
            continue;
          }
          String[] cells = java.nio.file.Files.readString(task.resolve("schedstat")).strip().split(" ");
          long[] now = {Long.parseLong(cells[0]), Long.parseLong(cells[1])};
          long[] before = last.put(task.getFileName().toString(), now);
          if (before != null && now[0] - before[0] > busiest[0]) {
            busiest = new long[] {now[0] - before[0], now[1] - before[1]};
          }
        } catch (java.nio.file.NoSuchFileException e) {
          // the thread ended
        }
      }
      return busiest;
    }

    /** The machine's idle share since the last sample, from /proc/stat's first line. */
    private double idleShare() throws java.io.IOException {
      long[] now = machineTicks();
      long[] before = lastCpu;
      lastCpu = now;
      if (before == null) {
        return Double.NaN;
      }
      long total = 0;
      for (int i = 0; i < now.length; i++) {
        total += now[i] - before[i];
      }
      return total == 0 ? Double.NaN : (double) (now[3] - before[3]) / total; // the fourth column: idle
    }

    /** The samples where a queue held anything or a socket dropped. */
    void print() {
      System.out.println("  the live hubs' receive queues and drops, each " + EVERY.toMillis() + " ms after the kill:");
      synchronized (lines) {
        lines.stream().filter(l -> !l.matches(".*(queued +0 KB dropped +0 .*){2}.*")).forEach(System.out::println);
      }
    }
  }

  /** Random pairs of nodes homed at different hubs, at a steady rate: the signal and its echo both cross. */
  private static List<Double> crossHubSignals(List<List<LightNodes.Node>> at, HubScaleBenchmark.Echoes echoes,
      int first, int signals, int perSecond) throws InterruptedException {
    return HubScaleBenchmark.signal(random -> {
      int from = random.nextInt(HUBS);
      int to = (from + 1 + random.nextInt(HUBS - 1)) % HUBS;
      return new LightNodes.Node[] {at.get(from).get(random.nextInt(at.get(from).size())),
          at.get(to).get(random.nextInt(at.get(to).size()))};
    }, echoes, first, signals, perSecond);
  }

  private static double percentile(List<Double> values, int p) {
    return values.isEmpty() ? Double.NaN : io.macula.nat.itest.lab.PathMovesBenchmark.percentile(values, p);
  }

  private static double seconds(long fromNanos) {
    return (System.nanoTime() - fromNanos) / 1e9;
  }
}
