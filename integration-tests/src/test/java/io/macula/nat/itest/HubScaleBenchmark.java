package io.macula.nat.itest;

import io.macula.nat.api.NodeId;
import io.macula.nat.hub.protocol.HubMessage;
import io.macula.nat.itest.lab.PathMovesBenchmark;
import io.macula.nat.transport.internal.LightNodes;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

/**
 * How many nodes one hub holds (issue 16, item 5): a real hub, a node process of its own in
 * -Xmx512m, and light nodes in this process (LightNodes: each its own identity and UDP socket,
 * speaking the hub protocol over QUIC on loopback) that register, keep their sessions alive as a
 * node does (a QUIC keep-alive a second, every tenth a ping), check their paths to the hub with
 * path probes, and signal each other in random pairs. Prints the registrations a second, the
 * hub's live heap and resident memory per registered node, its threads,
 * its CPU while only keep-alives flow, and the signalling round trip p50/p99.
 *
 * <p>{@code mvn -q -pl integration-tests exec:java@hubscale [-Dexec.args="NODES [PING_MS]"]}: 10,000 nodes
 * by default, each pinging every 1000 ms (a node's default keepalive_ms); {@code -Dbenchmark.hubjvm="OPTIONS"}
 * adds options to the hub's JVM.
 */
public final class HubScaleBenchmark {
  static final int IN_FLIGHT = 64;
  private static final Duration REGISTER_WAIT = Duration.ofSeconds(30);
  private static final Duration IDLE = Duration.ofSeconds(20);
  private static final int SIGNALS = 5_000;
  static final int SIGNALS_PER_SECOND = 500;
  private static final int WARM_UP = 200;

  private HubScaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    Duration pingEvery = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 1000);
    // Netty would log every TLS session at DEBUG through whatever SLF4J binding the classpath has.
    io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
        io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE);
    int port = Mesh.freeUdpPort();
    try (NodeProcess hub = hub("scale-hub", port);
        LightNodes nodes = new LightNodes(2, pingEvery)) {
      NodeId hubId = NodeId.parse(hub.id());
      InetSocketAddress hubAddress = new InetSocketAddress("127.0.0.1", port);

      long made = System.nanoTime();
      List<LightNodes.Identity> identities =
          IntStream.range(0, count).parallel().mapToObj(i -> new LightNodes.Identity()).toList();
      System.out.printf(Locale.ROOT, "%d identities made in %.1f s; each node pings every %d ms%n", count,
          seconds(made), pingEvery.toMillis());

      Echoes echoes = new Echoes();
      List<LightNodes.Node> registered = new ArrayList<>();
      register(nodes, identities.subList(0, WARM_UP), hubAddress, hubId, echoes, registered);
      long heapBefore = HostileTrafficIT.liveHeapKb(hub);
      long rssBefore = StartupBenchmark.residentKb(hub.pid());
      long threadsBefore = StartupBenchmark.status(hub.pid(), "Threads");

      long started = System.nanoTime();
      List<Double> latencies = register(nodes, identities.subList(WARM_UP, count), hubAddress, hubId, echoes, registered);
      double took = seconds(started);
      int added = registered.size() - WARM_UP;
      System.out.printf(Locale.ROOT, "registered %d of %d nodes; %d more in %.1f s: %.0f registrations a second,"
          + " each p50 %.1f ms p99 %.1f ms%n", registered.size(), count, added, took, added / took,
          percentile(latencies, 50), percentile(latencies, 99));

      long heapAfter = HostileTrafficIT.liveHeapKb(hub);
      long rssAfter = StartupBenchmark.residentKb(hub.pid());
      long threadsAfter = StartupBenchmark.status(hub.pid(), "Threads");
      System.out.printf(Locale.ROOT, "hub live heap %d KB with %d nodes, %d KB with %d: %.1f KB a node%n",
          heapBefore, WARM_UP, heapAfter, registered.size(), (heapAfter - heapBefore) / (double) Math.max(1, added));
      System.out.printf(Locale.ROOT, "hub resident %.0f MB -> %.0f MB: %.1f KB a node; threads %d -> %d%n",
          rssBefore / 1024.0, rssAfter / 1024.0, (rssAfter - rssBefore) / (double) Math.max(1, added),
          threadsBefore, threadsAfter);

      long self = ProcessHandle.current().pid();
      long cpuFrom = StartupBenchmark.cpuTicks(hub.pid());
      long clientsFrom = StartupBenchmark.cpuTicks(self);
      long pongsFrom = nodes.pongs.sum();
      long keepAlivesFrom = nodes.keepAlives.sum();
      long idleFrom = System.nanoTime();
      Thread.sleep(IDLE.toMillis()); // the span being measured: the hub's CPU while only keep-alives flow
      double idleSeconds = seconds(idleFrom);
      double cores = (StartupBenchmark.cpuTicks(hub.pid()) - cpuFrom) / StartupBenchmark.TICKS_PER_SECOND / idleSeconds;
      double clientCores = (StartupBenchmark.cpuTicks(self) - clientsFrom) / StartupBenchmark.TICKS_PER_SECOND / idleSeconds;
      System.out.printf(Locale.ROOT, "keep-alive: %.0f pongs and %.0f QUIC keep-alives a second; the hub uses %.2f"
          + " cores, the light nodes %.2f (%d cores in all)%n", (nodes.pongs.sum() - pongsFrom) / idleSeconds,
          (nodes.keepAlives.sum() - keepAlivesFrom) / idleSeconds, cores, clientCores,
          Runtime.getRuntime().availableProcessors());

      List<Double> rtts = signal(registered, echoes, SIGNALS);
      System.out.printf(Locale.ROOT, "signalling: %d round trips of %d through the hub at %d a second;"
          + " p50 %.2f ms p99 %.2f ms max %.2f ms%n", rtts.size(), SIGNALS, SIGNALS_PER_SECOND,
          percentile(rtts, 50), percentile(rtts, 99), percentile(rtts, 100));
      System.out.printf(Locale.ROOT, "sessions lost after registering: %d; the light nodes' probes the hub answered %d;"
          + " the hub ran out of memory: %s%n", nodes.sessionsLost.sum(), nodes.hubsAnswered.sum(),
          hub.log().contains("OutOfMemoryError"));
      System.out.printf(Locale.ROOT, "goals: %d nodes in -Xmx512m %s; signalling p99 < 10 ms %s;"
          + " keep-alive under one core %s%n", count,
          registered.size() == count && nodes.sessionsLost.sum() == 0 ? "met" : "NOT met",
          !rtts.isEmpty() && percentile(rtts, 99) < 10 ? "met" : "NOT met", cores < 1 ? "met" : "NOT met");
      registered.forEach(LightNodes.Node::close);
    }
  }

  /** The hub, started: the runnable node in -Xmx512m on a loopback port, admitting every node. */
  static NodeProcess hub(String name, int port) throws java.io.IOException {
    List<String> jvm = new ArrayList<>(List.of("-Xmx512m"));
    jvm.addAll(StartupBenchmark.jvmOptions("benchmark.hubjvm")); // -Xlog:gc:file=/tmp/hub-gc.log, say
    return NodeProcess.freshHome(name).jvmOptions(jvm.toArray(String[]::new))
        .config("io.macula.nat.endpoint", "bind = 127.0.0.1:" + port + "\n")
        .config("io.macula.nat.hub", "admission = open\n")
        .start();
  }

  /**
   * Registers each identity, at most {@link #IN_FLIGHT} at once, and adds those that registered to
   * {@code registered}; says why the first that failed did. Returns each registration's time in ms.
   */
  static List<Double> register(LightNodes nodes, List<LightNodes.Identity> identities, InetSocketAddress hub,
      NodeId hubId, Echoes echoes, List<LightNodes.Node> registered) throws InterruptedException {
    Semaphore slots = new Semaphore(IN_FLIGHT);
    List<CompletableFuture<LightNodes.Node>> pending = new ArrayList<>();
    List<Double> ms = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < identities.size(); i++) {
      slots.acquire();
      long start = System.nanoTime();
      pending.add(nodes.register(identities.get(i), hub, hubId, echoes::heard).whenComplete((n, e) -> {
        if (e == null) {
          ms.add((System.nanoTime() - start) / 1e6);
        }
        slots.release();
      }));
    }
    String failure = null;
    for (CompletableFuture<LightNodes.Node> f : pending) {
      try {
        registered.add(f.get(REGISTER_WAIT.toSeconds(), TimeUnit.SECONDS));
      } catch (ExecutionException | TimeoutException e) {
        failure = failure == null ? String.valueOf(e.getCause() == null ? e : e.getCause()) : failure;
      }
    }
    if (failure != null) {
      System.out.println("some registrations failed, the first: " + failure);
    }
    return new ArrayList<>(ms);
  }

  /** Random pairs at a steady rate: A signals B, B echoes, A times the round trip from the intended send. */
  static List<Double> signal(List<LightNodes.Node> nodes, Echoes echoes, int signals) throws InterruptedException {
    return signal(random -> {
      int from = random.nextInt(nodes.size());
      return new LightNodes.Node[] {nodes.get(from), nodes.get((from + 1 + random.nextInt(nodes.size() - 1)) % nodes.size())};
    }, echoes, 0, signals, SIGNALS_PER_SECOND);
  }

  /**
   * The same, each pair (sender, receiver) chosen by {@code pairs}, the signals numbered from
   * {@code first}: the round trips of signals numbered before it (an earlier round's) are not counted.
   */
  static List<Double> signal(java.util.function.Function<ThreadLocalRandom, LightNodes.Node[]> pairs, Echoes echoes,
      int first, int signals, int perSecond) throws InterruptedException {
    echoes.countFrom(first);
    long start = System.nanoTime();
    long every = 1_000_000_000L / perSecond;
    for (int i = 0; i < signals; i++) {
      long due = start + i * every;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait); // pacing the senders, not waiting for a condition
      }
      LightNodes.Node[] pair = pairs.apply(ThreadLocalRandom.current());
      pair[0].send(new HubMessage.Signal(pair[1].id(), Echoes.request(first + i, due)));
    }
    return echoes.await(Duration.ofSeconds(10), signals);
  }

  /** The receiving end of the signals: echoes a request, and times an echo. */
  static final class Echoes {
    private final ConcurrentHashMap<Integer, Double> rtts = new ConcurrentHashMap<>();
    /** The first signal of the round counted: echoes of signals numbered before it come too late. */
    private volatile int first;

    /** Counts from signal {@code first} on, nothing before it. */
    void countFrom(int first) {
      this.first = first;
      rtts.keySet().removeIf(sequence -> sequence < first);
    }

    static byte[] request(int sequence, long sentNanos) {
      return ByteBuffer.allocate(13).put((byte) 0).putInt(sequence).putLong(sentNanos).array();
    }

    void heard(LightNodes.Node node, HubMessage.Signal s) {
      ByteBuffer b = ByteBuffer.wrap(s.payload());
      if (b.get() == 0) {
        byte[] echo = s.payload().clone();
        echo[0] = 1;
        node.send(new HubMessage.Signal(s.peer(), echo));
      } else {
        int sequence = b.getInt();
        if (sequence >= first) {
          rtts.put(sequence, (System.nanoTime() - b.getLong()) / 1e6);
        }
      }
    }

    /** Each round trip measured so far, by the signal's sequence number. */
    java.util.SortedMap<Integer, Double> bySequence() {
      return new java.util.TreeMap<>(rtts);
    }

    /** The round trips measured, once every signal came back or the deadline passed. */
    List<Double> await(Duration deadline, int expected) throws InterruptedException {
      long end = System.nanoTime() + deadline.toNanos();
      while (rtts.size() < expected && System.nanoTime() < end) {
        Thread.sleep(50);
      }
      return new ArrayList<>(rtts.values());
    }
  }

  private static double percentile(List<Double> values, int p) {
    return values.isEmpty() ? Double.NaN : PathMovesBenchmark.percentile(values, p);
  }

  private static double seconds(long fromNanos) {
    return (System.nanoTime() - fromNanos) / 1e9;
  }

}
