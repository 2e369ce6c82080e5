package io.macula.nat.shell.internal;

import io.macula.nat.api.AttemptRecord;
import io.macula.nat.api.NegotiationFailedException;
import io.macula.nat.api.Negotiator;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerConnection;
import io.macula.nat.api.StrategySettings;
import io.macula.nat.api.StrategyStatus;
import io.macula.nat.api.command.OperatorCommands;
import io.macula.nat.transport.api.Endpoint;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** The operator's view of traversal: strategies, their settings, connects, attempts and moves. */
@Component(service = NatCommands.class)
@OperatorCommands(
    scope = "nat",
    function = {"strategies", "enable", "disable", "priority", "timeout", "connect", "attempts"})
public final class NatCommands {
  /** A connect ends by itself when its last strategy times out; this only bounds a stuck one. */
  private static final Duration CONNECT_WAIT = Duration.ofMinutes(5);

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  private final Lazy<Negotiator> negotiator;
  private final Lazy<StrategySettings> settings;

  /** Where the paths' moves are: without an endpoint, the attempts alone are shown. */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile Endpoint endpoint;

  @Activate
  public NatCommands(
      @Reference(service = Negotiator.class) ComponentServiceObjects<Negotiator> negotiator,
      @Reference(service = StrategySettings.class) ComponentServiceObjects<StrategySettings> settings) {
    this.negotiator = new Lazy<>(negotiator, "the negotiator");
    this.settings = new Lazy<>(settings, "the negotiator");
  }

  @Deactivate
  void deactivate() {
    negotiator.release();
    settings.release();
  }

  @Descriptor("list the connection strategies installed, in the order a connect tries them")
  public void strategies() {
    List<StrategyStatus> all = negotiator.get().strategies();
    if (all.isEmpty()) {
      System.out.print("no connection strategy is installed\n");
      return;
    }
    Table t = new Table("NAME", "PRIORITY", "TIMEOUT_MS", "ENABLED", "ATTEMPTS", "SUCCESSES", "BUNDLE");
    for (StrategyStatus s : all) {
      t.row(s.name(), s.priority(), s.timeout().toMillis(), s.enabled(), s.attempts(), s.successes(), s.bundle());
    }
    System.out.print(t);
  }

  @Descriptor("let connects use a strategy")
  public void enable(@Descriptor(OperatorCommands.STRATEGY) String name) {
    settings.get().setEnabled(name, true);
    System.out.print(name + " enabled\n");
  }

  @Descriptor("keep connects from using a strategy")
  public void disable(@Descriptor(OperatorCommands.STRATEGY) String name) {
    settings.get().setEnabled(name, false);
    System.out.print(name + " disabled\n");
  }

  @Descriptor("set a strategy's priority: higher goes first")
  public void priority(
      @Descriptor(OperatorCommands.STRATEGY) String name,
      @Descriptor("the new priority, an integer") String priority) {
    int p = Arguments.integer("priority", priority);
    settings.get().setPriority(name, p);
    System.out.print(name + " priority " + p + "\n");
  }

  @Descriptor("set how long a connect waits for a strategy before it starts the next")
  public void timeout(
      @Descriptor(OperatorCommands.STRATEGY) String name,
      @Descriptor("milliseconds") String millis) {
    long ms = Arguments.positiveMillis("timeout", millis);
    settings.get().setTimeout(name, Duration.ofMillis(ms));
    System.out.print(name + " timeout " + ms + " ms\n");
  }

  @Descriptor("connect to a node, and print every strategy's attempt")
  public void connect(@Descriptor(OperatorCommands.NODE) String node) throws InterruptedException {
    NodeId id = Arguments.node(node);
    long start = System.nanoTime();
    CompletableFuture<PeerConnection> connect = negotiator.get().connect(id);
    try {
      PeerConnection c = connect.get(CONNECT_WAIT.toSeconds(), TimeUnit.SECONDS);
      long ms = (System.nanoTime() - start) / 1_000_000;
      System.out.print(attemptTable(c.attempts())
          + "connected to " + id + " by " + c.path().strategy() + " (" + c.path().kind().label()
          + " path) in " + ms + " ms\n");
      return;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof NegotiationFailedException f) {
        if (!f.attempts().isEmpty()) {
          System.out.print(attemptTable(f.attempts()));
        }
        throw new IllegalStateException(f.getMessage());
      }
      throw new IllegalStateException("connect failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      connect.cancel(true);
      throw new IllegalStateException("the connect did not end within " + CONNECT_WAIT.toMinutes() + " minutes");
    } catch (InterruptedException e) {
      connect.cancel(true);
      throw e;
    }
  }

  @Descriptor("list the recorded attempts of every connect, newest first")
  public void attempts() {
    System.out.print(history(negotiator.get().attempts()) + moves(peer -> true));
  }

  @Descriptor("list the recorded attempts of connects to one node, newest first")
  public void attempts(@Descriptor(OperatorCommands.NODE) String node) {
    NodeId id = Arguments.node(node);
    System.out.print(history(negotiator.get().attempts(id)) + moves(id::equals));
  }

  /** The moves of the live connections' paths since their connects: traversal events too. */
  private String moves(Predicate<NodeId> peers) {
    Endpoint e = endpoint;
    Table t = e == null ? new Table() : MovesTable.of(e, peers);
    return t.isEmpty() ? "" : "\nmoves of the paths since:\n" + t;
  }

  private static String attemptTable(List<AttemptRecord> records) {
    Table t = new Table("STRATEGY", "OUTCOME", "MS", "REASON");
    for (AttemptRecord r : records) {
      t.row(r.strategy(), r.outcome().label(), r.duration().toMillis(), r.reason());
    }
    return t.toString();
  }

  private static String history(List<AttemptRecord> records) {
    if (records.isEmpty()) {
      return "no attempts recorded\n";
    }
    Table t = new Table("CONNECT", "STARTED", "NODE", "STRATEGY", "PRIORITY", "OUTCOME", "MS", "PATH", "REASON");
    for (AttemptRecord r : records) {
      t.row(
          "#" + r.connectId(),
          TIME.format(r.started()),
          r.node().shortForm(),
          r.strategy(),
          r.priority(),
          r.outcome().label(),
          r.duration().toMillis(),
          r.path().map(k -> k.label()).orElse("-"),
          r.reason());
    }
    return t.toString();
  }
}
