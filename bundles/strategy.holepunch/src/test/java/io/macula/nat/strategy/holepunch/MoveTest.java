package io.macula.nat.strategy.holepunch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.StrategyFailure;
import io.macula.nat.ice.api.Candidate;
import io.macula.nat.ice.api.CandidateType;
import io.macula.nat.ice.api.IceAgent;
import io.macula.nat.ice.api.IceResult;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The hole punch strategy's move of a live connection: an ICE session that pairs no relays, and
 * the connection on the pair it selects, or a failure when that pair goes through a TURN server.
 */
class MoveTest {
  private static final InetSocketAddress PEER_MAPPED = new InetSocketAddress("198.51.100.11", 45084);
  private static final TransportPath HUB =
      new TransportPath.Relayed(new InetSocketAddress("203.0.113.10", 7400), node(2), PathKind.HUB_RELAY);

  private final List<Boolean> relaysAsked = new ArrayList<>();
  private final CompletableFuture<IceResult> session = new CompletableFuture<>();
  private final List<String> moves = new ArrayList<>();
  private TransportPath path = HUB;

  private final IceAgent ice = (IceAgent) Proxy.newProxyInstance(getClass().getClassLoader(),
      new Class<?>[] {IceAgent.class}, (p, m, a) -> {
        if (m.getName().equals("connect") && a.length == 2) {
          relaysAsked.add((Boolean) a[1]);
          return session;
        }
        throw new UnsupportedOperationException(m.getName());
      });
  private final QuicConnection connection = (QuicConnection) Proxy.newProxyInstance(getClass().getClassLoader(),
      new Class<?>[] {QuicConnection.class}, (p, m, a) -> switch (m.getName()) {
        case "protocol" -> Endpoint.PEER_PROTOCOL;
        case "isOpen" -> true;
        case "isPathPinned" -> false;
        case "path" -> path;
        case "peer" -> node(2);
        case "switchPath" -> {
          path = (TransportPath) a[0];
          moves.add((String) a[1]);
          yield null;
        }
        default -> throw new UnsupportedOperationException(m.getName());
      });
  private final HolePunchStrategy strategy = new HolePunchStrategy(AppliesToTest.config(3000), ice, null, AppliesToTest.UP);

  @Test
  void anUpgradeRunsIcePairingNoRelaysAndMovesTheConnectionToThePairItSelects() throws Exception {
    CompletableFuture<PathKind> moved = strategy.move(pair(), connection, "upgrade");
    assertEquals(List.of(false), relaysAsked, "a relay is no upgrade: the session pairs none");

    session.complete(result(CandidateType.SERVER_REFLEXIVE));

    assertEquals(PathKind.HOLE_PUNCHED, moved.get());
    assertEquals(new TransportPath.Direct(PEER_MAPPED, PathKind.HOLE_PUNCHED), path);
    assertEquals(1, moves.size());
    assertTrue(moves.get(0).startsWith("upgrade: ICE selected "), moves.get(0));
  }

  @Test
  void aPairThroughATurnServerIsNoUpgrade() {
    CompletableFuture<PathKind> moved = strategy.move(pair(), connection, "upgrade");
    session.complete(result(CandidateType.RELAYED));

    ExecutionException e = assertThrows(ExecutionException.class, moved::get);
    assertInstanceOf(StrategyFailure.class, e.getCause());
    assertEquals(HUB, path, "the connection stays where it was");
  }

  @Test
  void aMoveThatTimesOutStopsItsSession() {
    CompletableFuture<PathKind> moved = strategy.move(pair(), connection, "upgrade");
    moved.completeExceptionally(new java.util.concurrent.TimeoutException());
    assertTrue(session.isCancelled(), "the checks stop with the attempt");
  }

  private static IceResult result(CandidateType remoteType) {
    Candidate local = new Candidate("l", Candidate.COMPONENT, 1, new InetSocketAddress("10.11.0.2", 55415),
        CandidateType.HOST, Optional.empty());
    Candidate peer = new Candidate("r", Candidate.COMPONENT, 1, PEER_MAPPED, remoteType, Optional.empty());
    return new IceResult(node(2), local, peer, true, 1, 1, Duration.ofMillis(100));
  }

  private static NodePair pair() {
    return new NodePair(new NodeDescriptor(node(1), List.of(), Optional.empty(), NatBehavior.FULL_CONE, false),
        new NodeDescriptor(node(2), List.of(), Optional.of(PEER_MAPPED), NatBehavior.PORT_RESTRICTED_CONE, false));
  }

  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return NodeId.of(id);
  }
}
