package io.macula.nat.hub.internal;

import static io.macula.nat.hub.internal.TestIds.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.macula.nat.api.NodeId;
import io.macula.nat.hub.protocol.HubMessage;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The watch over the other hubs: each pinged every tick, one silent too long reported once. */
class HubWatchTest {
  private static final NodeId QUIET = id(2);
  private static final NodeId TALKING = id(3);
  private static final HubWatch.Watched QUIET_AT = new HubWatch.Watched(QUIET, new InetSocketAddress("127.0.0.1", 7002));
  private static final HubWatch.Watched TALKING_AT =
      new HubWatch.Watched(TALKING, new InetSocketAddress("127.0.0.1", 7003));
  private static final long TICK = HubWatch.PING_EVERY.toNanos();

  private final Map<NodeId, Long> received = new HashMap<>();
  private final List<NodeId> pinged = new ArrayList<>();
  private final List<NodeId> reported = new ArrayList<>();
  private final HubWatch watch = new HubWatch(new HubWatch.Links() {
    @Override
    public void send(NodeId hub, InetSocketAddress address, HubMessage m) {
      assertInstanceOf(HubMessage.Ping.class, m);
      pinged.add(hub);
    }

    @Override
    public OptionalLong bytesFrom(NodeId hub) {
      Long b = received.get(hub);
      return b == null ? OptionalLong.empty() : OptionalLong.of(b);
    }
  }, reported::add);

  @Test
  void aHubThatSendsNothingForTheSilenceIsReportedOnceUntilHeardAgain() {
    received.put(QUIET, 100L);
    received.put(TALKING, 100L);
    long now = 0;
    int ticks = 0;
    while (now < HubWatch.SILENT_AFTER.toNanos()) {
      tickBoth(now);
      now += TICK;
      ticks++;
    }
    assertEquals(List.of(), reported, "not before the silence is over");
    tickBoth(now);
    assertEquals(List.of(QUIET), reported, "the quiet one, at its end");
    assertEquals(2 * (ticks + 1), pinged.size(), "both pinged at every tick");

    tickBoth(now + TICK);
    tickBoth(now + 10 * TICK);
    assertEquals(List.of(QUIET), reported, "once");

    received.put(QUIET, 140L); // heard again
    tickBoth(now + 11 * TICK);
    tickBoth(now + 11 * TICK + HubWatch.SILENT_AFTER.toNanos());
    assertEquals(List.of(QUIET, QUIET), reported, "and again after a new silence");
  }

  /** A tick with both hubs listed; the talking one's acknowledgements come back after it. */
  private void tickBoth(long nowNanos) {
    watch.tick(List.of(QUIET_AT, TALKING_AT), nowNanos);
    received.merge(TALKING, 40L, Long::sum);
  }

  @Test
  void aHubWhoseLinkNeverOpensIsReportedAndOneNoLongerListedIsForgotten() {
    watch.tick(List.of(QUIET_AT), 0); // no link open: nothing received
    watch.tick(List.of(), TICK);
    watch.tick(List.of(QUIET_AT), 2 * TICK); // listed again: watched from now
    watch.tick(List.of(QUIET_AT), HubWatch.SILENT_AFTER.toNanos());
    assertEquals(List.of(), reported, "its silence counts from when it was listed again");
    watch.tick(List.of(QUIET_AT), 2 * TICK + HubWatch.SILENT_AFTER.toNanos());
    assertEquals(List.of(QUIET), reported);
  }
}
