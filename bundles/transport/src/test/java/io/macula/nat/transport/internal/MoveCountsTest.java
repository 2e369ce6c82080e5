package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.macula.nat.api.PathKind;
import io.macula.nat.transport.api.PathMove;
import io.macula.nat.transport.api.PathMoveCount;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MoveCountsTest {
  @Test
  void movesAreCountedByKindsAndTheCauseTheirReasonStartsWith() {
    MoveCounts counts = new MoveCounts();
    counts.count(move(PathKind.HUB_RELAY, PathKind.DIRECT, "upgrade: the direct path answers its probes again"));
    counts.count(move(PathKind.HUB_RELAY, PathKind.DIRECT, "upgrade: ICE selected 10.0.0.1:1 -> 10.0.0.2:2"));
    counts.count(move(PathKind.DIRECT, PathKind.HUB_RELAY, "fallback: unanswered for 1000 ms; to the hub relay"));
    counts.count(move(PathKind.DIRECT, PathKind.PEER_RELAY, "moved by 0123456789: through the relay at x"));
    assertEquals(List.of(
            new PathMoveCount(PathKind.DIRECT, PathKind.PEER_RELAY, "peer", 1),
            new PathMoveCount(PathKind.DIRECT, PathKind.HUB_RELAY, "fallback", 1),
            new PathMoveCount(PathKind.HUB_RELAY, PathKind.DIRECT, "upgrade", 2)),
        counts.snapshot().stream().sorted(java.util.Comparator.comparing(PathMoveCount::from)
            .thenComparing(PathMoveCount::to)).toList());
  }

  /** The reasons the callers of switchPath give, word for word, each with its cause. */
  @Test
  void everyReasonTheCallersGiveHasItsCause() {
    assertEquals("connect", MoveCounts.cause("a connect over it")); // Routes
    assertEquals("operator", MoveCounts.cause("an operator's choice (pinned)")); // QuicPeerConnection
    assertEquals("renewal", MoveCounts.cause("its TURN allocation was renewed")); // AllocationMoves.RENEWED
    assertEquals("renewal", MoveCounts.cause("the peer's TURN allocation was renewed")); // .PEER_RENEWED
    assertEquals("upgrade", MoveCounts.cause("upgrade: through the relay at /10.0.0.1:4433")); // PeerRelayStrategy
    assertEquals("fallback", MoveCounts.cause("fallback")); // HubRelayStrategy, as the policy asks
    assertEquals("peer", MoveCounts.cause("moved by 0123456789: through the relay at /10.0.0.1:4433"));
    assertEquals("other", MoveCounts.cause("switched")); // QuicConnection.switchPath(path) with no reason
  }

  private static PathMove move(PathKind from, PathKind to, String reason) {
    return new PathMove(Instant.EPOCH, from, to, new InetSocketAddress("127.0.0.1", 1), reason);
  }
}
