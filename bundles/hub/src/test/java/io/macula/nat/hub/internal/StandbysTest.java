package io.macula.nat.hub.internal;

import static io.macula.nat.hub.internal.TestIds.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeId;
import io.macula.nat.hub.protocol.HubMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The sessions standing by: one a node, and a hub gone told to the nodes homed there only, paced. */
class StandbysTest {
  private static final NodeId GONE_HUB = id(1);
  private static final NodeId LIVE_HUB = id(2);
  private static final NodeId HOMED_AT_GONE = id(10);
  private static final NodeId HOMED_AT_LIVE = id(11);
  private static final NodeId NOT_MIRRORED = id(12);

  private final Queue<Runnable> later = new ArrayDeque<>();
  private final AtomicLong nanos = new AtomicLong();
  private final Standbys standbys = new Standbys((task, after) -> later.add(task), nanos::get);

  @Test
  void aHubGoneIsToldToTheNodesHomedThereAndToThoseTheMirrorLacks() {
    FakeSession atGone = new FakeSession(HOMED_AT_GONE);
    FakeSession atLive = new FakeSession(HOMED_AT_LIVE);
    FakeSession unknown = new FakeSession(NOT_MIRRORED);
    standbys.add(atGone);
    standbys.add(atLive);
    standbys.add(unknown);
    Map<NodeId, NodeId> homes = Map.of(HOMED_AT_GONE, GONE_HUB, HOMED_AT_LIVE, LIVE_HUB);

    assertEquals(2, standbys.tellGone(GONE_HUB, n -> Optional.ofNullable(homes.get(n))));
    assertEquals(List.of(new HubMessage.HubGone(GONE_HUB)), atGone.sent);
    assertEquals(List.of(), atLive.sent, "homed at a live hub: nothing to check");
    assertEquals(List.of(new HubMessage.HubGone(GONE_HUB)), unknown.sent, "not mirrored yet: told, to be safe");
  }

  @Test
  void thousandsStandingByAreToldABatchAtATimeAndAnotherHubGoneEndsNoTelling() {
    NodeId otherGone = id(3);
    List<FakeSession> atGone = standing(PacedBroadcast.BATCH * 2 + 1, 1_000);
    List<FakeSession> atOther = standing(PacedBroadcast.BATCH + 1, 5_000);
    Map<NodeId, NodeId> homes = new HashMap<>();
    atGone.forEach(s -> homes.put(s.node(), GONE_HUB));
    atOther.forEach(s -> homes.put(s.node(), otherGone));

    assertEquals(atGone.size(), standbys.tellGone(GONE_HUB, n -> Optional.ofNullable(homes.get(n))));
    assertEquals(PacedBroadcast.BATCH, told(atGone), "a batch now, the rest later");
    standbys.tellGone(otherGone, n -> Optional.ofNullable(homes.get(n)));
    assertEquals(PacedBroadcast.BATCH, told(atOther));
    FakeSession registeredMeanwhile = atGone.get(atGone.size() - 1);
    standbys.remove(registeredMeanwhile);
    while (!later.isEmpty()) {
      later.poll().run();
    }
    assertEquals(atGone.size() - 1, told(atGone), "every node homed at the first hub, though another hub went meanwhile");
    assertEquals(List.of(), registeredMeanwhile.sent, "registered here before its batch: not told");
    assertTrue(atGone.stream().filter(s -> s != registeredMeanwhile)
        .allMatch(s -> s.sent.equals(List.of(new HubMessage.HubGone(GONE_HUB)))), "once each");
    assertEquals(atOther.size(), told(atOther));
  }

  @Test
  void noMoreToldNodesAreAwaitedAtOnceThanTheWindowHolds() {
    List<FakeSession> atGone = standing(Standbys.AWAITED + 150, 1_000);
    Map<NodeId, NodeId> homes = new HashMap<>();
    atGone.forEach(s -> homes.put(s.node(), GONE_HUB));

    standbys.tellGone(GONE_HUB, n -> Optional.ofNullable(homes.get(n)));
    runLater(Standbys.AWAITED / PacedBroadcast.BATCH + 3);
    assertEquals(Standbys.AWAITED, told(atGone), "a window's worth, however many batches are due");

    atGone.stream().filter(s -> !s.sent.isEmpty()).limit(30).toList().forEach(standbys::remove); // registered here
    runLater(1);
    assertEquals(Standbys.AWAITED + 30, told(atGone), "as many more as registered");
    runLater(3);
    assertEquals(Standbys.AWAITED + 30, told(atGone), "none while the rest are awaited");

    nanos.addAndGet(Standbys.AWAIT.toNanos() + 1); // those told stay: their hub answered them, say
    runLater(3);
    assertEquals(atGone.size(), told(atGone), "once the awaited ones' time is up, the rest");
    assertTrue(later.isEmpty(), "and the telling is over");
    assertTrue(atGone.stream().allMatch(s -> s.sent.size() == 1), "once each");
  }

  @Test
  void aSecondTellingOfTheSameHubSkipsTheNodesItsFirstAwaits() {
    FakeSession atGone = new FakeSession(HOMED_AT_GONE);
    standbys.add(atGone);
    standbys.tellGone(GONE_HUB, n -> Optional.of(GONE_HUB)); // the hub went silent
    standbys.tellGone(GONE_HUB, n -> Optional.of(GONE_HUB)); // then the directory dropped it
    assertEquals(1, atGone.sent.size(), "told once while awaited");
    nanos.addAndGet(Standbys.AWAIT.toNanos() + 1);
    standbys.tellGone(GONE_HUB, n -> Optional.of(GONE_HUB));
    assertEquals(2, atGone.sent.size(), "and again once it is awaited no more");
  }

  private void runLater(int tasks) {
    for (int i = 0; i < tasks && !later.isEmpty(); i++) {
      later.poll().run();
    }
  }

  private List<FakeSession> standing(int count, int firstId) {
    List<FakeSession> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      FakeSession s = new FakeSession(id(firstId + i));
      standbys.add(s);
      out.add(s);
    }
    return out;
  }

  private static int told(List<FakeSession> sessions) {
    return (int) sessions.stream().filter(s -> !s.sent.isEmpty()).count();
  }

  @Test
  void aNodeStandsByOnItsNewestSessionOnly() {
    FakeSession first = new FakeSession(HOMED_AT_GONE);
    FakeSession second = new FakeSession(HOMED_AT_GONE);
    standbys.add(first);
    standbys.add(second);
    assertTrue(first.closed, "the older one closes");
    standbys.remove(first); // its end, heard later, leaves the newer one
    assertEquals(1, standbys.size());
    standbys.tellGone(GONE_HUB, n -> Optional.empty());
    assertEquals(1, second.sent.size());
    standbys.remove(second);
    assertEquals(0, standbys.size());
  }

  private static final class FakeSession implements Standbys.Session {
    private final NodeId node;
    final List<HubMessage> sent = new ArrayList<>();
    boolean closed;

    FakeSession(NodeId node) {
      this.node = node;
    }

    @Override
    public NodeId node() {
      return node;
    }

    @Override
    public void send(HubMessage m) {
      sent.add(m);
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
