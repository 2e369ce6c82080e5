package io.macula.nat.transport.internal;

import io.macula.nat.api.PathKind;
import io.macula.nat.transport.api.PathMove;
import io.macula.nat.transport.api.PathMoveCount;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Moves between kinds of path, by cause, for monitoring: the cause is one word taken from the
 * move's reason, so the counters stay few (the reason itself names addresses and nodes).
 */
final class MoveCounts {
  private record Key(PathKind from, PathKind to, String cause) {}

  private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

  void count(PathMove move) {
    counts.computeIfAbsent(new Key(move.from(), move.to(), cause(move.reason())), k -> new LongAdder()).increment();
  }

  List<PathMoveCount> snapshot() {
    List<PathMoveCount> out = new ArrayList<>();
    counts.forEach((k, v) -> out.add(new PathMoveCount(k.from(), k.to(), k.cause(), v.sum())));
    return out;
  }

  /**
   * The cause of a move, from the words its reason starts with (see the callers of switchPath: the
   * path policy, the strategies' moves, the turn strategy's renewals, the operator's nat:path).
   */
  static String cause(String reason) {
    if (reason.startsWith("upgrade")) {
      return "upgrade";
    } else if (reason.startsWith("fallback")) {
      return "fallback";
    } else if (reason.startsWith("moved by")) {
      return "peer";
    } else if (reason.startsWith("a connect")) {
      return "connect";
    } else if (reason.startsWith("an operator")) {
      return "operator";
    } else if (reason.endsWith("TURN allocation was renewed")) {
      return "renewal"; // the turn strategy's AllocationMoves, this node's allocation or the peer's
    }
    return "other";
  }
}
