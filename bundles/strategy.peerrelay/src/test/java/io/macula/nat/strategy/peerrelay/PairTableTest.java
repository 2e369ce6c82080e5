package io.macula.nat.strategy.peerrelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeId;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Pairs exist once both nodes asked, within the limit; they go with their links, or idle. */
class PairTableTest {
  private static final long SECOND = 1_000_000_000L;

  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return NodeId.of(id);
  }

  private static PairTable.Link link(int n) {
    byte[] key = new byte[PairRequest.KEY_LENGTH];
    key[0] = (byte) n;
    return new PairTable.Link(node(n), new InetSocketAddress("198.51.100." + n, 4000 + n), key);
  }

  @Test
  void aPairExistsOnceBothAskedAndEachGetsItsOwnKey() {
    PairTable table = new PairTable(4, 1_000_000, 1000, () -> 0L);
    PairTable.Link a = link(1);
    PairTable.Link b = link(2);
    table.linked(a);
    table.linked(b);
    CompletableFuture<PairRequest.Answer> first = table.ask(a, b.node, 0);
    assertFalse(first.isDone(), "the first question waits for the other's");
    assertNull(PairTable.pair(a, b.node, 0), "no frame is relayed before the pair exists");
    PairRequest.Answer second = table.ask(b, a.node, SECOND).join();
    assertArrayEquals(b.key, second.key());
    assertArrayEquals(a.key, first.join().key());
    assertSame(b, PairTable.pair(a, b.node, SECOND).other(a));
    assertSame(a, PairTable.pair(b, a.node, SECOND).other(b));
    assertNull(PairTable.pair(a, node(3), SECOND), "a node is relayed only to the one it paired with");
    assertSame(a, table.link(a.address));
  }

  @Test
  void aFullTableRefusesAtOnceCountingTheQuestionsThatWait() {
    PairTable table = new PairTable(1, 1_000_000, 1000, () -> 0L);
    PairTable.Link a = link(1);
    PairTable.Link b = link(2);
    PairTable.Link c = link(3);
    table.ask(a, b.node, 0);
    PairRequest.Answer refused = table.ask(c, b.node, 0).join();
    assertFalse(refused.isPaired());
    assertEquals("the relay is at its limit of 1 pair", refused.refusal());
    assertTrue(table.ask(b, a.node, 0).join().isPaired(), "the waiting question's other half still pairs");
    assertFalse(table.ask(b, c.node, 0).join().isPaired(), "the pair fills the table");
  }

  @Test
  void aQuestionNobodyMatchesIsRefusedAfterTheWait() {
    PairTable table = new PairTable(4, 1_000_000, 1000, () -> 0L);
    PairTable.Link a = link(1);
    CompletableFuture<PairRequest.Answer> answer = table.ask(a, node(2), 0);
    table.expire(PairTable.ASK_WAIT.toNanos());
    assertFalse(answer.isDone(), "not before the wait is over");
    table.expire(PairTable.ASK_WAIT.toNanos() + 1);
    assertTrue(answer.join().refusal().contains("did not ask the relay for the pair within 5 s"), answer.join().refusal());
    assertEquals(0, table.waiting());
  }

  @Test
  void aPairGoesWithEitherLinkOrWhenIdle() {
    PairTable table = new PairTable(4, 1_000_000, 1000, () -> 0L);
    PairTable.Link a = link(1);
    PairTable.Link b = link(2);
    PairTable.Link c = link(3);
    for (PairTable.Link l : new PairTable.Link[] {a, b, c}) {
      table.linked(l);
    }
    table.ask(a, b.node, 0);
    table.ask(b, a.node, 0);
    table.ask(a, c.node, 0);
    table.ask(c, a.node, 0);
    assertEquals(2, table.pairs().size());

    table.unlinked(b);
    assertEquals(1, table.pairs().size());
    assertNull(PairTable.pair(a, b.node, 0));
    assertNull(table.link(b.address), "frames from the link's address are nobody's");

    long used = PairTable.PAIR_IDLE.toNanos();
    PairTable.pair(c, a.node, used); // a frame keeps the pair alive
    table.expire(used + PairTable.PAIR_IDLE.toNanos());
    assertEquals(1, table.pairs().size());
    table.expire(used + PairTable.PAIR_IDLE.toNanos() + 1);
    assertEquals(0, table.pairs().size());
  }

  @Test
  void aNodesWaitingQuestionsAreFewAndNeverTwice() {
    PairTable table = new PairTable(100, 1_000_000, 1000, () -> 0L);
    PairTable.Link a = link(1);
    CompletableFuture<PairRequest.Answer> first = table.ask(a, node(2), 0);
    assertSame(first, table.ask(a, node(2), 0), "asked again while waiting: the same question");
    for (int peer = 3; peer < 2 + PairTable.WAITING_PER_LINK; peer++) {
      table.ask(a, node(peer), 0);
    }
    assertEquals(PairTable.WAITING_PER_LINK, table.waiting());
    PairRequest.Answer refused = table.ask(a, node(50), 0).join();
    assertTrue(refused.refusal().contains("questions of one node wait already"), refused.refusal());
    assertFalse(table.ask(link(60), node(61), 0).isDone(), "another node's question still waits");
  }

  @Test
  void eachPairGetsAnEqualShareOfTheBudgetAsPairsComeAndGo() {
    long[] now = {0};
    PairTable table = new PairTable(4, 3000, 1000, () -> now[0]);
    PairTable.Link a = link(1);
    PairTable.Link b = link(2);
    PairTable.Link c = link(3);
    table.ask(a, b.node, 0);
    table.ask(b, a.node, 0);
    PairTable.Pair ab = PairTable.pair(a, b.node, 0);
    assertTrue(ab.share.spend(3000), "alone, a pair may use the whole budget");
    table.ask(a, c.node, 0);
    table.ask(c, a.node, 0);
    now[0] += 1_000_000_000L;
    assertTrue(ab.share.spend(1500));
    assertFalse(ab.share.spend(1), "with two pairs, half of it each");
    table.unlinked(c);
    now[0] += 1_000_000_000L;
    assertTrue(ab.share.spend(3000), "the whole budget again once the other pair went");
  }

  @Test
  void aNodeIsNotPairedWithItself() {
    PairTable.Link a = link(1);
    assertFalse(new PairTable(4, 1_000_000, 1000, () -> 0L).ask(a, a.node, 0).join().isPaired());
  }
}
