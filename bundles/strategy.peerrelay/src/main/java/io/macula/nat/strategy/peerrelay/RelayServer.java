package io.macula.nat.strategy.peerrelay;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerAdmission;
import io.macula.nat.api.PeerRelayService;
import io.macula.nat.api.PeerStream;
import io.macula.nat.api.RelayTraffic;
import io.macula.nat.api.command.OperatorCommands;
import io.macula.nat.transport.api.ConnectionAcceptor;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.RelayHandler;
import io.macula.nat.transport.api.TransportPath;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The relay a node runs for others, while its operator has it offer to: nodes its hub admits link
 * to it (a QUIC connection of {@link Endpoint#RELAY_PROTOCOL}, which proves who they are), each
 * gets a key of its own, and two nodes that both asked for each other are a pair it forwards
 * packets between, still encrypted end to end, within its limits. Everything else is refused.
 * While offering, it tells the hub session so ({@link PeerRelayService}), which lists the node in
 * its hub's relay directory. {@code nat:relay} shows what it relays.
 */
@Component(service = RelayServer.class, configurationPid = RelayServer.PID, immediate = true,
    property = {OperatorCommands.SCOPE + "=nat", OperatorCommands.FUNCTION + "=relay"})
@Designate(ocd = RelayServer.Config.class)
public final class RelayServer {
  static final String PID = "io.macula.nat.relay";
  /** Questions being read at once: each holds a thread while its line comes. */
  static final int MAX_QUESTIONS = 16;
  /** How long a link's question may take to arrive whole: a stream that says nothing is closed. */
  static final java.time.Duration QUESTION_WAIT = java.time.Duration.ofSeconds(2);

  @ObjectClassDefinition(name = "Macula NAT peer relay",
      description = "Whether this node relays packets between other nodes of its hub, and within which limits.")
  public @interface Config {
    @AttributeDefinition(description = "Whether this node offers to relay for others: the hub lists it in its"
        + " relay directory, as reachable when other nodes can send to it unasked (no NAT, or a full cone).")
    boolean offers__relay() default false;

    @AttributeDefinition(min = "1", max = "4096", description = "The most pairs of nodes this node relays between"
        + " at once.")
    int relay__max__pairs() default 16;

    @AttributeDefinition(min = "1", description = "The bytes a second this node relays in all, at most.")
    long relay__bytes__per__second() default 10_000_000;

    @AttributeDefinition(min = "1", description = "The packets a second this node relays in all, at most.")
    long relay__packets__per__second() default 10_000;
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final BundleContext context;
  private final Logger log;
  private final PairTable table;
  private final RelayBudget budget;
  private final Map<PairTable.Link, QuicConnection> links = new ConcurrentHashMap<>();
  private final List<PeerAdmission> admissions = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService sweeper;
  private final ExecutorService questions;
  private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
  /** What the links that closed had sent: a link's own total is its own, so no count goes down. */
  private final LongAdder[] departed = {new LongAdder(), new LongAdder()};
  private final Serving serving = new Serving();
  private volatile Config config;
  private ServiceRegistration<?> registration; // guarded by this

  @Activate
  public RelayServer(Config config, BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
    this.context = context;
    this.log = log;
    this.config = config;
    this.table = new PairTable(config.relay__max__pairs(), config.relay__bytes__per__second(),
        config.relay__packets__per__second(), System::nanoTime);
    this.budget = new RelayBudget(config.relay__bytes__per__second(), config.relay__packets__per__second(),
        System::nanoTime);
    this.sweeper = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "nat-relay-sweep"));
    ThreadPoolExecutor pool = new ThreadPoolExecutor(MAX_QUESTIONS, MAX_QUESTIONS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(4 * MAX_QUESTIONS), r -> daemon(r, "nat-relay-questions"));
    pool.allowCoreThreadTimeOut(true); // threads start as questions come, up to the most at once
    this.questions = pool;
    sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    offer(config);
  }

  @Modified
  void modified(Config changed) {
    config = changed;
    table.maxPairs(changed.relay__max__pairs());
    budget.limit(changed.relay__bytes__per__second(), changed.relay__packets__per__second());
    table.budget(changed.relay__bytes__per__second(), changed.relay__packets__per__second());
    offer(changed);
  }

  @Deactivate
  void deactivate() {
    withdraw();
    sweeper.shutdownNow();
    questions.shutdownNow();
    links.values().forEach(QuicConnection::close);
  }

  /** The strategy of this node, whose links to relays nat:relay shows too. */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile PeerRelayStrategy strategy;

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void bindAdmission(PeerAdmission admission) {
    admissions.add(admission);
  }

  void unbindAdmission(PeerAdmission admission) {
    admissions.remove(admission);
  }

  /**
   * Serves while offering, under the new limits: registers what the endpoint and the hub session
   * take (once), or takes it back when the operator withdrew the offer.
   */
  private synchronized void offer(Config c) {
    if (!c.offers__relay()) {
      withdraw();
      return;
    }
    Dictionary<String, Object> props = new Hashtable<>();
    props.put(ConnectionAcceptor.PROTOCOL, Endpoint.RELAY_PROTOCOL);
    props.put("relay.max.pairs", c.relay__max__pairs());
    if (registration == null) {
      registration = context.registerService(new String[] {ConnectionAcceptor.class.getName(),
          RelayHandler.class.getName(), PeerRelayService.class.getName(), RelayTraffic.class.getName()}, serving,
          props);
      log.info("relaying for other nodes: at most {} pairs, {} B/s, {} packets/s", c.relay__max__pairs(),
          c.relay__bytes__per__second(), c.relay__packets__per__second());
    } else {
      registration.setProperties(props); // the hub session hears of the new limits
    }
  }

  private synchronized void withdraw() {
    if (registration != null) {
      try {
        registration.unregister();
      } catch (IllegalStateException gone) {
        // the bundle is stopping: its services went already
      }
      registration = null;
      log.info("relaying for other nodes no more");
    }
    links.values().forEach(QuicConnection::close);
  }

  private void sweep() {
    try {
      long now = System.nanoTime();
      table.expire(now);
      links.forEach((link, c) -> {
        if (!c.isOpen()) {
          links.remove(link);
          table.unlinked(link);
          departed[0].add(link.packetsSent.sum());
          departed[1].add(link.bytesSent.sum());
        }
      });
    } catch (RuntimeException e) {
      log.warn("sweeping the relay's table failed", e);
    }
  }

  private void count(String counter) {
    counters.computeIfAbsent(counter, k -> new LongAdder()).increment();
  }

  /** The relay's services: the acceptor of links, the relay handler, and the offer. */
  private final class Serving implements ConnectionAcceptor, RelayHandler, PeerRelayService, RelayTraffic {
    @Override
    public PathKind kind() {
      return PathKind.PEER_RELAY;
    }

    @Override
    public List<Carried> carried() {
      List<Carried> out = new java.util.ArrayList<>();
      links.keySet().forEach(l -> out.add(new Carried(l.node.toString(), l.packetsSent.sum(), l.bytesSent.sum())));
      out.add(new Carried(DEPARTED, departed[0].sum(), departed[1].sum()));
      return out;
    }

    @Override
    public Map<String, Long> drops() {
      Map<String, Long> out = new java.util.TreeMap<>();
      counters.forEach((k, v) -> {
        if (k.startsWith("dropped-")) {
          out.put(k.substring("dropped-".length()), v.sum());
        }
      });
      return out;
    }

    @Override
    public CompletionStage<Boolean> admission(NodeId peer) {
      // A node its hub admits: the hub session vouches for the nodes registered with the hub.
      List<CompletableFuture<Boolean>> answers = admissions.stream()
          .map(a -> a.vouchesFor(peer).toCompletableFuture().exceptionally(e -> false)).toList();
      if (answers.isEmpty()) {
        count("links-refused");
        return CompletableFuture.completedFuture(false);
      }
      return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(v -> {
        boolean vouched = answers.stream().anyMatch(CompletableFuture::join);
        if (!vouched) {
          count("links-refused");
        }
        return vouched;
      });
    }

    @Override
    public void accepted(QuicConnection connection) {
      if (!(connection.path() instanceof TransportPath.Direct d)) {
        count("links-refused");
        connection.close(); // relay frames come straight over UDP: a link through anything else carries none
        return;
      }
      byte[] key = new byte[PairRequest.KEY_LENGTH];
      RANDOM.nextBytes(key);
      PairTable.Link link = new PairTable.Link(connection.peer(), d.address(), key);
      links.put(link, connection);
      table.linked(link);
      count("links-accepted");
      connection.onStream(stream -> {
        try {
          questions.execute(() -> answer(link, stream));
        } catch (java.util.concurrent.RejectedExecutionException busy) {
          count("questions-refused");
          stream.close();
        }
      });
    }

    @Override
    public byte[] relayKey(InetSocketAddress sender) {
      PairTable.Link link = table.link(sender);
      return link == null ? null : link.key;
    }

    @Override
    public void relay(InetSocketAddress sender, NodeId destination, ByteBuffer packet, Forwarder out) {
      PairTable.Link from = table.link(sender);
      PairTable.Pair pair = from == null ? null : PairTable.pair(from, destination, System.nanoTime());
      if (pair == null) {
        count("dropped-unpaired");
        return;
      }
      int length = packet.remaining();
      if (!pair.share.spend(length) || !budget.spend(length)) {
        count("dropped-over-budget");
        return;
      }
      pair.packets.increment();
      pair.bytes.add(length);
      from.packetsSent.increment();
      from.bytesSent.add(length);
      PairTable.Link to = pair.other(from);
      out.forward(to.address, to.key, from.node, packet);
    }

    @Override
    public int maxPairs() {
      return config.relay__max__pairs();
    }

    @Override
    public long bytesPerSecond() {
      return config.relay__bytes__per__second();
    }

    @Override
    public long packetsPerSecond() {
      return config.relay__packets__per__second();
    }
  }

  /** Reads a link's question, asks the table, and answers when it can: on a question thread. */
  private void answer(PairTable.Link link, PeerStream stream) {
    NodeId peer;
    java.util.concurrent.ScheduledFuture<?> deadline = sweeper.schedule(() -> {
      count("questions-too-slow");
      stream.close(); // the read below ends with it
    }, QUESTION_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    try {
      peer = PairRequest.readRequest(stream.input());
    } catch (java.io.IOException e) {
      count("questions-malformed");
      stream.close();
      return;
    } finally {
      deadline.cancel(false);
    }
    // Answered on a question thread, never inside the table's lock, where the answer completes.
    table.ask(link, peer, System.nanoTime()).whenCompleteAsync((answer, error) -> {
      try {
        PairRequest.writeAnswer(stream.output(), answer);
        count(answer.isPaired() ? "answered-paired" : "answered-refused");
      } catch (java.io.IOException e) {
        count("answers-lost");
      } finally {
        stream.close();
      }
    }, questions);
  }

  /** nat:relay, printed: Karaf's exec mode shows no results. */
  @Descriptor("print whether this node offers to relay for others, its links and pairs, and its counters")
  public void relay() {
    System.out.print(describe());
  }

  private String describe() {
    Config c = config;
    StringBuilder out = new StringBuilder();
    if (!c.offers__relay()) {
      out.append("offer        none (offers_relay = false in " + PID + ")\n");
    } else {
      out.append(String.format(java.util.Locale.ROOT, "offer        %d %s at most, %d B/s, %d packets/s%n",
          c.relay__max__pairs(), c.relay__max__pairs() == 1 ? "pair" : "pairs", c.relay__bytes__per__second(),
          c.relay__packets__per__second()));
    }
    out.append("links        ").append(table.links()).append('\n');
    List<PairTable.Pair> pairs = table.pairs();
    out.append("pairs        ").append(pairs.size()).append(" (").append(table.waiting()).append(" waiting)\n");
    long now = System.nanoTime();
    for (PairTable.Pair p : pairs) {
      out.append(String.format(java.util.Locale.ROOT, "  %s (%s) <-> %s (%s)  %d s  %d packets  %d bytes%n",
          p.a.node.shortForm(), p.a.address, p.b.node.shortForm(), p.b.address, (now - p.since) / 1_000_000_000L,
          p.packets.sum(), p.bytes.sum()));
    }
    new java.util.TreeMap<>(counters).forEach((k, v) -> out.append(String.format("%-20s %d%n", k, v.sum())));
    PeerRelayStrategy s = strategy;
    List<String> mine = s == null ? List.of() : s.describeLinks();
    out.append("linked to    ").append(mine.isEmpty() ? "no relay" : mine.size() + (mine.size() == 1 ? " relay" : " relays"))
        .append('\n');
    mine.forEach(l -> out.append("  ").append(l).append('\n'));
    return out.toString();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
