package io.macula.nat.negotiator.internal;

import io.macula.nat.api.AttemptRecord;
import io.macula.nat.api.NodeId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;

/** The newest attempt records, bounded so that a long-running node does not grow without end. */
final class AttemptHistory {
  private final int capacity;

  /** Guarded by this; newest first. */
  private final Deque<AttemptRecord> records = new ArrayDeque<>();

  AttemptHistory(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("history capacity must be at least 1, not " + capacity);
    }
    this.capacity = capacity;
  }

  synchronized void add(AttemptRecord record) {
    records.addFirst(record);
    if (records.size() > capacity) {
      records.removeLast();
    }
  }

  /**
   * Newest first: the latest connect first and, within a connect, the attempt that started last
   * first (records arrive as attempts end, which is not the order they started).
   */
  synchronized List<AttemptRecord> newestFirst(NodeId nodeOrNull) {
    List<AttemptRecord> out = new ArrayList<>();
    for (Iterator<AttemptRecord> it = records.iterator(); it.hasNext(); ) {
      AttemptRecord r = it.next();
      if (nodeOrNull == null || r.node().equals(nodeOrNull)) {
        out.add(r);
      }
    }
    out.sort(
        java.util.Comparator.comparingLong(AttemptRecord::connectId)
            .reversed()
            .thenComparing(AttemptRecord::started, java.util.Comparator.reverseOrder()));
    return out;
  }
}
