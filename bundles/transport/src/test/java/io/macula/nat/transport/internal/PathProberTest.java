package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeId;
import io.macula.nat.transport.api.TransportPath;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PathProberTest {
  private static final long MS = 1_000_000L;
  private static final InetSocketAddress PEER = new InetSocketAddress("198.51.100.7", 4433);

  private final List<byte[]> sent = new ArrayList<>();
  private final Route route = new Route(new InetSocketAddress("::1", 4433), NodeId.of(new byte[32]),
      new TransportPath.Direct(PEER));
  private final PathProber prober = new PathProber(List.of(route), (to, tx) -> {
    assertEquals(PEER, to);
    sent.add(tx);
  });

  @Test
  void aPathQuietAfterThisNodeSentIsProbedAndProbedAgainUntilAnswered() {
    prober.tick(0);
    route.bytesSent.add(1200);
    prober.tick(100 * MS);
    prober.tick(250 * MS);
    assertTrue(sent.isEmpty(), "not quiet for long enough yet");
    prober.tick(350 * MS);
    assertEquals(1, sent.size());
    prober.tick(500 * MS);
    assertEquals(1, sent.size(), "a retry waits");
    prober.tick(650 * MS);
    assertEquals(2, sent.size());
    assertArrayEquals(sent.get(0), sent.get(1), "the same probe again");
    assertNotNull(route.probing.transaction);

    ByteBuf answer = PathProbe.answer(ByteBufAllocator.DEFAULT, PathProbe.request(ByteBufAllocator.DEFAULT, sent.get(0)));
    assertTrue(PathProbe.isAnswer(answer));
    PathProber.answered(route, answer, 800 * MS);
    assertNull(route.probing.transaction, "answered");
    prober.tick(900 * MS);
    assertEquals(2, sent.size());
  }

  @Test
  void arrivalsMeanNoProbe() {
    prober.tick(0);
    for (long t = 100; t <= 3000; t += 100) {
      route.bytesSent.add(1200);
      route.arrivedOnPath();
      prober.tick(t * MS);
    }
    assertTrue(sent.isEmpty());
  }

  @Test
  void aSideThatOnlyReceivedIsNotProbingWhenThePeerStops() {
    prober.tick(0);
    route.arrivedOnPath();
    prober.tick(100 * MS);
    prober.tick(4000 * MS);
    assertTrue(sent.isEmpty(), "nothing sent since the last arrival: nothing expected");
    prober.tick(5200 * MS);
    assertEquals(1, sent.size(), "the keep-alive probe");
  }

  @Test
  void aNewPathStartsAgain() {
    prober.tick(0);
    route.bytesSent.add(1200);
    prober.tick(100 * MS);
    prober.tick(450 * MS);
    assertEquals(1, sent.size());
    route.path(new TransportPath.Direct(new InetSocketAddress("198.51.100.8", 4433)), "moved", java.time.Instant.EPOCH);
    prober.tick(500 * MS);
    assertNull(route.probing.transaction);
  }

  @Test
  void onlyMarkedBindingRequestsAreProbes() {
    ByteBuf probe = PathProbe.request(ByteBufAllocator.DEFAULT, PathProbe.newTransaction());
    assertTrue(PathProbe.isRequest(probe));
    assertFalse(PathProbe.isAnswer(probe));
    ByteBuf discovery = Unpooled.buffer().writeShort(1).writeShort(0).writeInt(0x2112A442)
        .writeBytes(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    assertFalse(PathProbe.isRequest(discovery), "a STUN client's Binding request goes to the STUN handler");
  }

  @Test
  void aRouteRemembersItsLatestMovesAndWhy() {
    TransportPath relay = new TransportPath.Relayed(new InetSocketAddress("203.0.113.10", 7400), NodeId.of(new byte[32]),
        io.macula.nat.api.PathKind.HUB_RELAY);
    route.path(relay, "fallback", java.time.Instant.EPOCH);
    route.path(relay, "again", java.time.Instant.EPOCH);
    assertEquals(1, route.moves().size(), "the same path is no move");
    assertEquals("fallback", route.moves().get(0).reason());
    for (int i = 0; i < Route.MAX_MOVES + 4; i++) {
      route.path(new TransportPath.Direct(new InetSocketAddress("198.51.100.9", 1000 + i)), "move " + i,
          java.time.Instant.EPOCH);
    }
    assertEquals(Route.MAX_MOVES, route.moves().size());
    assertEquals("move " + (Route.MAX_MOVES + 3), route.moves().get(Route.MAX_MOVES - 1).reason());
  }
}
