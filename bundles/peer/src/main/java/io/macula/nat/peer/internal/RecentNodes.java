package io.macula.nat.peer.internal;

import io.macula.nat.api.NodeId;
import java.util.LinkedHashMap;
import java.util.Map;

/** The last few node ids seen, newest kept: a bounded memory of who the hub vouched for lately. */
final class RecentNodes {
  private final Map<NodeId, Boolean> ids;

  RecentNodes(int capacity) {
    this.ids = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<NodeId, Boolean> eldest) {
        return size() > capacity;
      }
    };
  }

  synchronized void add(NodeId id) {
    ids.put(id, Boolean.TRUE);
  }

  synchronized boolean contains(NodeId id) {
    return ids.containsKey(id);
  }
}
