package io.macula.nat.hub.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A broadcast a batch at a time, each after the gap; a newer one ends the older. */
class PacedBroadcastTest {
  private final Queue<Runnable> scheduled = new ArrayDeque<>();
  private final List<Duration> gaps = new ArrayList<>();
  private final List<Integer> sent = new ArrayList<>();
  private final PacedBroadcast<Integer> broadcast = new PacedBroadcast<>((task, after) -> {
    scheduled.add(task);
    gaps.add(after);
  });

  @Test
  void everyReceiverIsSentToOnceABatchAtATime() {
    int n = 2 * PacedBroadcast.BATCH + 50;
    broadcast.start(IntStream.range(0, n).boxed().toList(), sent::add);
    assertEquals(PacedBroadcast.BATCH, sent.size(), "the first batch at once");
    runScheduled();
    assertEquals(IntStream.range(0, n).boxed().toList(), sent, "all, once each, in order");
    assertEquals(List.of(PacedBroadcast.GAP, PacedBroadcast.GAP), gaps, "two more batches, each after the gap");
  }

  @Test
  void aNewerBroadcastEndsTheOneUnderWay() {
    broadcast.start(IntStream.range(0, 3 * PacedBroadcast.BATCH).boxed().toList(), sent::add);
    broadcast.start(List.of(-1, -2), sent::add);
    runScheduled();
    List<Integer> expected = new ArrayList<>(IntStream.range(0, PacedBroadcast.BATCH).boxed().toList());
    expected.addAll(List.of(-1, -2));
    assertEquals(expected, sent, "the older one's first batch only, then the newer one");
  }

  @Test
  void aBatchSendsNoMoreThanTheRoomAndTheReceiversSkippedTakeNone() {
    int[] room = {3};
    broadcast.start(IntStream.range(0, 10).boxed().toList(), i -> {
      if (i % 2 == 1) {
        return false; // skipped: nothing sent
      }
      sent.add(i);
      room[0]--;
      return true;
    }, () -> room[0]);
    assertEquals(List.of(0, 2, 4), sent, "three sent, the odd ones skipped between them");
    scheduled.poll().run();
    assertEquals(List.of(0, 2, 4), sent, "no room: nothing, and the next batch waits");
    room[0] = 5;
    runScheduled();
    assertEquals(List.of(0, 2, 4, 6, 8), sent);
  }

  private void runScheduled() {
    while (!scheduled.isEmpty()) {
      scheduled.poll().run();
    }
  }
}
