package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import io.macula.nat.testing.ManualScheduler;
import io.macula.nat.transport.api.PacketCarrier;
import io.macula.nat.transport.api.TransportPath;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Routes live while used; those unknown senders make wait in a small table that expires. */
class RoutesTest {
  private final ManualScheduler clock = new ManualScheduler();
  private final Routes routes = new Routes(clock.clock());

  /** The prober keeps its copy of the routes between ticks: a route that comes or goes makes it copy them again. */
  @Test
  void theProberLooksAtARouteAddedSinceItsLastTick() {
    PathProber prober = new PathProber(routes.all(), routes::changes, (r, path, tx) -> { },
        new java.util.SplittableRandom(1), PathProber.CONSENT_LIFETIME);
    Route first = routes.forNewSender(address(4000));
    routes.established(first, node(1));
    prober.tick(0);
    assertEquals(1, prober.visits());
    Route second = routes.forNewSender(address(4001));
    routes.established(second, node(2));
    prober.tick(100_000_000L);
    assertEquals(2, prober.visits(), "the new route, once");
    assertNotNull(second.probing);
  }

  @Test
  void spoofedSendersNeverHoldMoreThanTheTable() {
    for (int i = 0; i < 100_000; i++) {
      routes.forNewSender(new InetSocketAddress("198.51.100.7", 1024 + i % 60_000 + i / 60_000));
      routes.forRelayed(node(i), new InetSocketAddress("203.0.113.10", 7400),
          io.macula.nat.api.PathKind.HUB_RELAY);
    }
    assertEquals(Routes.MAX_UNCONFIRMED, routes.counts()[0]);
    assertEquals(Routes.MAX_UNCONFIRMED, routes.counts()[1]);
  }

  @Test
  void aSenderThatProvedItsAddressIsNotPushedOutByForgedOnes() {
    Route real = routes.forNewSender(address(4000));
    routes.validated(real);
    for (int i = 0; i < 10 * Routes.MAX_UNCONFIRMED; i++) {
      routes.forNewSender(new InetSocketAddress("203.0.113.9", 1024 + i));
    }
    assertSame(real, routes.byDirect(address(4000)), "its handshake can finish");
    assertTrue(routes.isUnconfirmed(real));
    routes.established(real, node(1));
    assertTrue(!routes.isUnconfirmed(real));
  }

  /** A path the peer is about to move to: its packets are the route's, and the route stays where it was. */
  @Test
  void anAddedPathsPacketsAreTheRoutesWhileItStaysOnItsPath() {
    Route r = routes.forNewSender(address(4000));
    routes.established(r, node(1));

    routes.addPath(r, new TransportPath.Direct(address(4001), PathKind.TURN));

    assertSame(r, routes.byDirect(address(4001)));
    assertEquals(new TransportPath.Direct(address(4000)), r.path());
    assertTrue(r.moves().isEmpty(), "nothing moved");
    routes.release(r);
    assertNull(routes.byDirect(address(4001)), "the added path goes with its route");
  }

  @Test
  void theUnprovenAreTheFreshUnconfirmedRoutesOfSendersNotValidated() {
    Route proven = routes.forNewSender(address(4000));
    Route connected = routes.forNewSender(address(4001));
    routes.forNewSender(address(4002));
    assertEquals(3, routes.unproven());
    routes.validated(proven);
    routes.established(connected, node(1));
    assertEquals(1, routes.unproven());
    clock.advance(Routes.UNCONFIRMED_LIFETIME.plusSeconds(1));
    assertEquals(0, routes.unproven(), "expired");
    assertNull(routes.byDirect(address(4002)), "and gone");
  }

  @Test
  void anUnconfirmedRouteExpires() {
    Route r = routes.forNewSender(address(4000));
    clock.advance(Routes.UNCONFIRMED_LIFETIME.plusSeconds(1));
    routes.forNewSender(address(4001)); // the table is tidied as senders arrive
    assertNull(routes.byVirtual(r.virtualAddress));
    assertNull(routes.byDirect(address(4000)));
    assertEquals(1, routes.counts()[0]);
  }

  @Test
  void anEstablishedConnectionKeepsItsRouteUntilItEnds() {
    Route r = routes.forNewSender(address(4000));
    routes.established(r, node(1));
    clock.advance(Duration.ofHours(1));
    for (int i = 0; i < 2 * Routes.MAX_UNCONFIRMED; i++) {
      routes.forNewSender(address(5000 + i));
    }
    assertSame(r, routes.byDirect(address(4000)));
    assertSame(r, routes.byPeer(node(1)));
    routes.release(r);
    assertNull(routes.byVirtual(r.virtualAddress));
    assertNull(routes.byPeer(node(1)));
    assertNull(routes.byDirect(address(4000)));
  }

  /**
   * A handshake its peer began beside a connection outlives that connection's end among the
   * unconfirmed: the new connection holds it, or it expires with them.
   */
  @Test
  void aRouteWhosePeerDialsAgainWaitsForTheNewConnectionOrExpires() {
    Route kept = routes.forNewSender(address(4000));
    routes.established(kept, node(1));
    routes.handshakeArrived(kept);
    routes.release(kept);
    assertSame(kept, routes.byDirect(address(4000)), "kept for the handshake under way");
    routes.established(kept, node(1));
    clock.advance(Routes.UNCONFIRMED_LIFETIME.plusSeconds(1));
    routes.forNewSender(address(5000)); // trims the table
    assertSame(kept, routes.byPeer(node(1)), "held by the new connection");

    Route abandoned = routes.forNewSender(address(4001));
    routes.established(abandoned, node(2));
    routes.handshakeArrived(abandoned);
    routes.release(abandoned);
    assertSame(abandoned, routes.byDirect(address(4001)));
    clock.advance(Routes.UNCONFIRMED_LIFETIME.plusSeconds(1));
    routes.forNewSender(address(5001));
    assertNull(routes.byDirect(address(4001)), "no connection came: it expired");
    assertNull(routes.byPeer(node(2)));
  }

  @Test
  void aConnectHoldsItsRouteAndAFailedOneLetsItGo() {
    Route r = routes.holdForPeer(node(2), new TransportPath.Direct(address(4000)));
    assertSame(r, routes.holdForPeer(node(2), new TransportPath.Direct(address(4000))));
    routes.release(r);
    assertNotNull(routes.byPeer(node(2)), "the second connect still holds it");
    routes.release(r);
    assertNull(routes.byPeer(node(2)));
    assertEquals(0, routes.counts()[0]);
  }

  /**
   * Packets a carrier (a TURN allocation) brings: only a client's first packet makes a route, an
   * unconfirmed one like any other unknown sender's; the same peer through another carrier is
   * another route.
   */
  @Test
  void carriedPacketsMakeRoutesOnlyFromAnInitialAndOnlyInTheUnconfirmedTable() {
    PacketCarrier turn = carrier();
    TransportPath.Carried path = new TransportPath.Carried(turn, address(4000), PathKind.TURN);
    assertNull(routes.forCarried(path, false), "no route from a packet that is not an Initial");
    Route r = routes.forCarried(path, true);
    assertSame(r, routes.forCarried(new TransportPath.Carried(turn, address(4000), PathKind.TURN), false));
    assertNotSame(r, routes.forCarried(new TransportPath.Carried(carrier(), address(4000), PathKind.TURN), true));
    assertTrue(routes.isUnconfirmed(r));
    for (int i = 0; i < 2 * Routes.MAX_UNCONFIRMED; i++) {
      routes.forCarried(new TransportPath.Carried(turn, address(5000 + i), PathKind.TURN), true);
    }
    assertEquals(Routes.MAX_UNCONFIRMED, routes.sizes().get("carried-addresses"));
    assertNull(routes.forCarried(path, false), "pushed out of the table by newer ones");
  }

  @Test
  void anEstablishedCarriedRouteLastsUntilItsConnectionEnds() {
    TransportPath.Carried path = new TransportPath.Carried(carrier(), address(4000), PathKind.TURN);
    Route r = routes.forCarried(path, true);
    routes.established(r, node(3));
    assertSame(r, routes.byPeer(node(3)));
    routes.release(r);
    assertNull(routes.forCarried(path, false));
    assertEquals(0, routes.sizes().get("carried-addresses"));
  }

  private static PacketCarrier carrier() {
    return new PacketCarrier() {
      @Override
      public void send(InetSocketAddress peer, java.nio.ByteBuffer packet) {}

      @Override
      public String describe() {
        return "test carrier";
      }

      @Override
      public PathKind kind() {
        return PathKind.TURN;
      }
    };
  }

  @Test
  void virtualAddressesAreRandomInTheirPrefix() {
    Route a = routes.forNewSender(address(4000));
    Route b = routes.forNewSender(address(4001));
    assertTrue(Routes.isVirtual(a.virtualAddress));
    assertNotEquals(a.virtualAddress, b.virtualAddress);
    // A counter would leave the high bytes of the interface id zero: one peer's address would tell another's.
    byte[] x = a.virtualAddress.getAddress().getAddress();
    byte[] y = b.virtualAddress.getAddress().getAddress();
    assertTrue(java.util.Arrays.stream(new int[] {8, 9, 10, 11, 12, 13}).anyMatch(i -> x[i] != 0 || y[i] != 0));
    assertTrue(!Routes.isVirtual(address(4000)));
  }

  private static InetSocketAddress address(int port) {
    return new InetSocketAddress("198.51.100.7", port);
  }

  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    id[1] = (byte) (n >> 8);
    id[2] = (byte) (n >> 16);
    return NodeId.of(id);
  }
}
