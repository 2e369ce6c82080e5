package io.macula.nat.negotiator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.Applicability;
import io.macula.nat.api.ConnectionStrategy;
import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeDirectory;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerChannel;
import io.macula.nat.api.PeerStream;
import io.macula.nat.api.StrategyFailure;
import io.macula.nat.transport.api.AlternativePath;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.PathMove;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

/**
 * The path policy's choices, on a clock the test moves: which path a connection whose path died
 * goes to, when a relayed one is upgraded and by which strategy, and what it leaves alone.
 */
class PathPolicyTest {
  private static final NodeId SELF = node(1);
  private static final NodeId PEER = node(2);
  private static final TransportPath DIRECT = new TransportPath.Direct(new InetSocketAddress("192.0.2.2", 4000), PathKind.DIRECT);
  private static final TransportPath PUNCHED = new TransportPath.Direct(new InetSocketAddress("198.51.100.2", 5000), PathKind.HOLE_PUNCHED);
  /** To the peer's relayed address on its TURN server. */
  private static final TransportPath TURN =
      new TransportPath.Direct(new InetSocketAddress("203.0.113.9", 3478), PathKind.TURN);
  private static final TransportPath HUB = new TransportPath.Relayed(new InetSocketAddress("203.0.113.1", 7000), PEER, PathKind.HUB_RELAY);

  private long now = 1_000_000_000L;
  private final List<EffectiveStrategy> plan = new ArrayList<>();
  private final List<QuicConnection> madeHere = new ArrayList<>();
  private NodeDescriptor peerDescriptor = descriptor(PEER, NatBehavior.PORT_RESTRICTED_CONE);
  private final NodeDirectory directory = new NodeDirectory() {
    @Override
    public NodeDescriptor self() {
      return descriptor(SELF, NatBehavior.FULL_CONE);
    }

    @Override
    public Optional<NodeDescriptor> find(NodeId node) {
      return node.equals(PEER) ? Optional.of(peerDescriptor) : Optional.empty();
    }
  };
  private final PathPolicy policy = new PathPolicy(
      new PathPolicy.Settings(Duration.ofMillis(1000), Duration.ofMillis(500), Duration.ofSeconds(60)),
      () -> List.copyOf(plan), madeHere::contains, () -> directory, Runnable::run, Runnable::run,
      fixedRandom(), quietLogger(), () -> now);

  private final Mover hubRelay = new Mover("hubrelay", Set.of(PathKind.HUB_RELAY));
  private final Mover holePunch = new Mover("holepunch", Set.of(PathKind.DIRECT, PathKind.HOLE_PUNCHED, PathKind.TURN));

  @Test
  void aPathThatStoppedAnsweringGoesToAnAlternativeThatAnswers() {
    enable(hubRelay, 40);
    enable(holePunch, 80);
    Connection c = new Connection(DIRECT);
    c.unanswered = Duration.ofMillis(1500);
    c.alternatives.add(answered(PUNCHED, Duration.ofSeconds(2)));

    policy.tick(List.of(c));

    assertEquals(PUNCHED, c.path);
    assertEquals(List.of("fallback: the direct path answered no probe for 1500 ms; to another that answers"), c.reasons);
    assertEquals(0, hubRelay.moves.size(), "no relay while a path that answers is known");
  }

  @Test
  void aPathUnansweredForLessThanTheLimitStays() {
    enable(hubRelay, 40);
    Connection c = new Connection(DIRECT);
    c.unanswered = Duration.ofMillis(900);

    policy.tick(List.of(c));

    assertEquals(DIRECT, c.path);
    assertEquals(0, hubRelay.moves.size());
  }

  @Test
  void withNoAlternativeTheRelayTakesTheConnectionOneFallbackAtATime() {
    enable(hubRelay, 40);
    Connection c = new Connection(DIRECT);
    c.unanswered = Duration.ofMillis(1200);
    c.alternatives.add(new AlternativePath(PUNCHED, Optional.empty(), Optional.empty()));

    policy.tick(List.of(c));
    policy.tick(List.of(c));

    assertEquals(List.of("fallback: the direct path answered no probe for 1200 ms"), hubRelay.moves);
    hubRelay.pending.get(0).complete(PathKind.HUB_RELAY);
    policy.tick(List.of(c));
    assertEquals(2, hubRelay.moves.size(), "once the first fallback ended, a path still unanswered tries again");
  }

  @Test
  void aFailedRelayHandsTheFallbackToTheNext() {
    Mover turn = new Mover("turn", Set.of(PathKind.TURN));
    enable(turn, 70);
    enable(hubRelay, 40);
    enable(holePunch, 80);
    Connection c = new Connection(DIRECT);
    c.unanswered = Duration.ofMillis(1200);

    policy.tick(List.of(c));
    assertEquals(1, turn.moves.size(), "the best relay first");
    assertEquals(0, holePunch.moves.size(), "a strategy that makes paths other than relays' is no fallback");
    turn.pending.get(0).completeExceptionally(StrategyFailure.refused("no allocation"));

    assertEquals(1, hubRelay.moves.size());
  }

  /**
   * A node that relays may go at any time: its path is probed, and once dark the connection goes
   * to the next relay (the peer relay strategy first, which picks another relay; then the hub).
   * A TURN path is left to its server, as before.
   */
  @Test
  void aPeerRelayPathThatStoppedAnsweringFallsBackToTheNextRelay() {
    Mover peerRelay = new Mover("peerrelay", Set.of(PathKind.PEER_RELAY));
    enable(peerRelay, 60);
    enable(hubRelay, 40);
    Connection c = new Connection(
        new TransportPath.Relayed(new InetSocketAddress("198.51.100.30", 4100), PEER, PathKind.PEER_RELAY));
    c.unanswered = Duration.ofMillis(1100);

    policy.tick(List.of(c));
    assertEquals(List.of("fallback: the peer-relay path answered no probe for 1100 ms"), peerRelay.moves);
    peerRelay.pending.get(0).completeExceptionally(StrategyFailure.notApplicable("no other relay"));
    assertEquals(1, hubRelay.moves.size());

    Connection turn = new Connection(TURN);
    turn.unanswered = Duration.ofMillis(5000);
    policy.tick(List.of(turn));
    assertEquals(1, hubRelay.moves.size(), "a TURN path falls back to nothing");
  }

  @Test
  void anAlternativeOfAKindNoEnabledStrategyMakesIsNotTaken() {
    enable(hubRelay, 40);
    Connection c = new Connection(DIRECT);
    c.unanswered = Duration.ofMillis(1500);
    c.alternatives.add(answered(PUNCHED, Duration.ofSeconds(1)));

    policy.tick(List.of(c));

    assertEquals(DIRECT, c.path, "hole punch is not enabled: its path is not taken");
    assertEquals(1, hubRelay.moves.size());
  }

  @Test
  void aRelayedConnectionGoesBackToAPathThatAnswersAgainWhoeverMadeIt() {
    enable(hubRelay, 40);
    enable(holePunch, 80);
    Connection c = new Connection(HUB);
    c.alternatives.add(answered(PUNCHED, Duration.ofMillis(300)));

    policy.tick(List.of(c));

    assertEquals(PUNCHED, c.path);
    assertEquals(List.of("upgrade: the hole-punched path answers its probes again"), c.reasons);
  }

  @Test
  void upgradesArePacedAndOneAtATime() {
    enable(hubRelay, 40);
    enable(holePunch, 80);
    Connection c = madeHere(HUB);

    policy.tick(List.of(c));
    assertEquals(0, holePunch.moves.size(), "the first attempt waits its first delay");
    advance(Duration.ofMillis(500));
    policy.tick(List.of(c));
    policy.tick(List.of(c));
    assertEquals(List.of("upgrade"), holePunch.moves, "one attempt at a time");

    holePunch.pending.get(0).completeExceptionally(StrategyFailure.networkError("ICE: no pair", null));
    advance(Duration.ofMillis(499));
    policy.tick(List.of(c));
    assertEquals(1, holePunch.moves.size(), "after a failure, the delay (500 ms, jitter 1.0) passes first");
    advance(Duration.ofMillis(1));
    policy.tick(List.of(c));
    assertEquals(2, holePunch.moves.size());
  }

  @Test
  void aChangeOfTheStrategiesStartsAnUpgradeAtOnce() {
    enable(hubRelay, 40);
    Connection c = madeHere(HUB);
    policy.tick(List.of(c));
    advance(Duration.ofSeconds(5));
    policy.tick(List.of(c));

    enable(holePunch, 80);
    policy.tick(List.of(c));

    assertEquals(1, holePunch.moves.size(), "hole punch enabled: the backoff starts again, due now");
  }

  @Test
  void noUpgradeForAConnectionThePeerMadeOrAPairNoHoleOpensThrough() {
    enable(hubRelay, 40);
    enable(holePunch, 80);
    Connection theirs = new Connection(HUB);
    advance(Duration.ofSeconds(5));
    policy.tick(List.of(theirs));
    assertEquals(0, holePunch.moves.size(), "the side that made the connection drives its upgrades");

    Connection ours = madeHere(HUB);
    holePunch.hopeless();
    policy.tick(List.of(ours));
    advance(Duration.ofSeconds(5));
    policy.tick(List.of(ours));
    assertEquals(0, holePunch.moves.size(), "a strategy that does not apply to the pair is not tried");
  }

  @Test
  void noUpgradeByAStrategyNoBetterThanThePathsOwn() {
    Mover turn = new Mover("turn", Set.of(PathKind.TURN));
    enable(turn, 70);
    enable(hubRelay, 40);
    Connection c = madeHere(TURN);
    policy.tick(List.of(c));
    advance(Duration.ofSeconds(5));
    policy.tick(List.of(c));

    assertEquals(0, hubRelay.moves.size(), "the hub relay (40) is no upgrade from TURN (70)");
    assertEquals(0, turn.moves.size());
  }

  @Test
  void aPathThroughATurnServerIsUpgradedByAStrategyThatMakesPathsWithoutRelays() {
    Mover turn = new Mover("turn", Set.of(PathKind.TURN));
    enable(turn, 70);
    enable(holePunch, 80);
    Connection c = madeHere(TURN);
    policy.tick(List.of(c));
    advance(Duration.ofMillis(500));
    policy.tick(List.of(c));

    assertEquals(List.of("upgrade"), holePunch.moves, "hole punch makes TURN paths too, and direct ones: it may");
  }

  @Test
  void theHubRelayIsNoUpgradeFromATurnPathThatHolePunchingFound() {
    enable(holePunch, 80);
    enable(hubRelay, 40);
    holePunch.hopeless(); // ICE found only the relayed pair
    Connection c = madeHere(TURN);
    policy.tick(List.of(c));
    advance(Duration.ofSeconds(5));
    policy.tick(List.of(c));

    assertEquals(0, hubRelay.moves.size() + holePunch.moves.size());
  }

  @Test
  void aMoveThatThrowsIsAFailedAttemptAndTheNextOneStillComes() {
    enable(hubRelay, 40);
    enable(holePunch, 80);
    holePunch.throwing = true;
    Connection c = madeHere(HUB);
    policy.tick(List.of(c));
    advance(Duration.ofMillis(500));
    policy.tick(List.of(c));
    assertEquals(1, holePunch.moves.size());

    holePunch.throwing = false;
    advance(Duration.ofMillis(500));
    policy.tick(List.of(c));
    assertEquals(2, holePunch.moves.size(), "the peer is not stuck with an attempt in flight");
  }

  @Test
  void aPathThatDiesSoonAfterItsUpgradeMakesTheNextUpgradeWaitLonger() {
    enable(hubRelay, 40);
    enable(holePunch, 80);
    Connection c = madeHere(HUB);
    policy.tick(List.of(c));
    for (int cycle = 0; cycle < 2; cycle++) {
      advance(Duration.ofMillis(cycle == 0 ? 500 : 1000));
      policy.tick(List.of(c));
      assertEquals(cycle + 1, holePunch.moves.size(), "attempt " + (cycle + 1));
      c.path = PUNCHED;
      holePunch.pending.get(cycle).complete(PathKind.HOLE_PUNCHED);
      advance(Duration.ofMillis(100));
      c.unanswered = Duration.ofMillis(1100);
      policy.tick(List.of(c)); // the punched path died at once: to the hub relay
      hubRelay.pending.get(cycle).complete(PathKind.HUB_RELAY);
      c.path = HUB;
      c.unanswered = null;
      if (cycle == 1) {
        advance(Duration.ofMillis(999));
        policy.tick(List.of(c));
        assertEquals(2, holePunch.moves.size(), "two short-lived upgrades: the delay doubled to 1 s");
        advance(Duration.ofMillis(1));
        policy.tick(List.of(c));
        assertEquals(3, holePunch.moves.size());
      }
    }
  }

  @Test
  void aPinnedPathIsLeftAlone() {
    enable(hubRelay, 40);
    enable(holePunch, 80);
    Connection dead = new Connection(DIRECT);
    dead.pinned = true;
    dead.unanswered = Duration.ofSeconds(10);
    Connection relayed = new Connection(HUB);
    relayed.pinned = true;
    relayed.alternatives.add(answered(PUNCHED, Duration.ofMillis(100)));
    madeHere.add(relayed);

    policy.tick(List.of(dead, relayed));
    advance(Duration.ofSeconds(5));
    policy.tick(List.of(dead, relayed));

    assertEquals(DIRECT, dead.path);
    assertEquals(HUB, relayed.path);
    assertEquals(0, hubRelay.moves.size() + holePunch.moves.size());
  }

  @Test
  void aMoveThatOutlivedItsLimitIsToldAsSuch() {
    assertTrue(PathPolicy.why(new java.util.concurrent.CompletionException(new java.util.concurrent.TimeoutException()))
        .startsWith("no move within"));
  }

  /** A connection this node made, on {@code path}. */
  private Connection madeHere(TransportPath path) {
    Connection c = new Connection(path);
    madeHere.add(c);
    return c;
  }

  private void enable(ConnectionStrategy s, int priority) {
    plan.add(new EffectiveStrategy(s, s.name(), priority, Duration.ofSeconds(2), true, "test"));
    plan.sort((a, b) -> Integer.compare(b.priority(), a.priority()));
  }

  private void advance(Duration d) {
    now += d.toNanos();
  }

  private static AlternativePath answered(TransportPath path, Duration ago) {
    return new AlternativePath(path, Optional.of(ago), Optional.of(Duration.ofMillis(2)));
  }

  private static NodeDescriptor descriptor(NodeId id, NatBehavior nat) {
    return new NodeDescriptor(id, List.of(), Optional.of(new InetSocketAddress("198.51.100.9", 9000)), nat, false);
  }

  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return NodeId.of(id);
  }

  private static RandomGenerator fixedRandom() {
    return () -> Long.MIN_VALUE; // nextDouble() gives 0.5: a jitter of exactly 1.0
  }

  private static Logger quietLogger() {
    return (Logger) Proxy.newProxyInstance(PathPolicyTest.class.getClassLoader(), new Class<?>[] {Logger.class},
        (p, m, a) -> m.getReturnType() == boolean.class ? false : null);
  }

  /** A strategy that moves connections when the test completes its move; its connects never end. */
  private static final class Mover extends NegotiationTest.ScriptedStrategy {
    final Set<PathKind> kinds;
    final List<String> moves = new ArrayList<>();
    final List<CompletableFuture<PathKind>> pending = new ArrayList<>();
    boolean throwing;

    Mover(String name, Set<PathKind> kinds) {
      super(name, p -> new CompletableFuture<>());
      this.kinds = kinds;
    }

    /** Two NATs no hole opens through: the strategy does not apply to the pair. */
    void hopeless() {
      applicability = Applicability.no("no hole opens between these NATs");
    }

    @Override
    public Set<PathKind> pathKinds() {
      return kinds;
    }

    @Override
    public boolean movesConnections() {
      return true;
    }

    @Override
    public CompletableFuture<PathKind> move(NodePair pair, PeerChannel connection, String reason) {
      moves.add(reason);
      if (throwing) {
        throw new IllegalStateException("the agent is gone");
      }
      CompletableFuture<PathKind> f = new CompletableFuture<>();
      pending.add(f);
      return f;
    }
  }

  /** A peer connection whose path, probes and alternatives the test sets. */
  private static final class Connection implements QuicConnection {
    TransportPath path;
    boolean pinned;
    Duration unanswered;
    final List<AlternativePath> alternatives = new ArrayList<>();
    final List<String> reasons = new ArrayList<>();

    Connection(TransportPath path) {
      this.path = path;
    }

    @Override
    public long id() {
      return 1;
    }

    @Override
    public String protocol() {
      return Endpoint.PEER_PROTOCOL;
    }

    @Override
    public TransportPath path() {
      return path;
    }

    @Override
    public void switchPath(TransportPath to) {
      switchPath(to, "");
    }

    @Override
    public void switchPath(TransportPath to, String reason) {
      path = to;
      reasons.add(reason);
    }

    @Override
    public void addPath(TransportPath p) {}

    @Override
    public List<PathMove> pathMoves() {
      return List.of();
    }

    @Override
    public void pinPath(TransportPath p) {
      path = p;
      pinned = true;
    }

    @Override
    public Optional<Duration> pathUnansweredFor() {
      return Optional.ofNullable(unanswered);
    }

    @Override
    public List<AlternativePath> alternatives() {
      return alternatives;
    }

    @Override
    public boolean isPathPinned() {
      return pinned;
    }

    @Override
    public long bytesSent() {
      return 0;
    }

    @Override
    public long bytesReceived() {
      return 0;
    }

    @Override
    public void keepAlive() {}

    @Override
    public void close() {}

    @Override
    public NodeId peer() {
      return PEER;
    }

    @Override
    public PeerStream openStream() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void onStream(Consumer<PeerStream> handler) {}

    @Override
    public boolean sendDatagram(byte[] data) {
      return false;
    }

    @Override
    public void onDatagram(Consumer<byte[]> handler) {}

    @Override
    public int maxDatagramSize() {
      return 0;
    }

    @Override
    public Optional<Duration> roundTripTime() {
      return Optional.empty();
    }

    @Override
    public boolean isOpen() {
      return true;
    }
  }
}
