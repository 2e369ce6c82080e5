package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.hub.protocol.HubMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The sessions of nodes homed at other hubs that stand by here, one per node (the newest), and
 * what they are told: that their own hub left the mesh or went silent. Only the nodes homed at
 * that hub are told (those the directory's mirror homes elsewhere would only have to read it):
 * when a hub dies, its nodes register while every other node's session stays quiet. They are told
 * a batch at a time ({@link PacedBroadcast}): each told node checks its hub and registers here a
 * second later, and thousands told at once registered within a few milliseconds, more than the
 * hub's loop reads before its socket's buffer overflows. And no more than {@link #AWAITED} told
 * nodes are awaited at once: told faster than the hub answers, they queue at its socket, and the
 * queue's delay makes each of the hub's nodes resend what the hub has not acknowledged yet, which
 * keeps it behind.
 */
final class Standbys {
  /** A session that stands by, as the table uses it. */
  interface Session {
    NodeId node();

    void send(HubMessage m) throws IOException;

    void close();
  }

  /**
   * Told nodes whose registration may still come, at most: each registers a second or more after
   * it is told (it checks its own hub first), so the telling goes on at some 600 a second while
   * the hub answers as fast, and slows down as it falls behind.
   */
  static final int AWAITED = 800;
  /** How long a told node counts as awaited: its check of its hub (a second), and its registration. */
  static final Duration AWAIT = Duration.ofSeconds(3);

  private final Map<NodeId, Session> byNode = new ConcurrentHashMap<>();
  /** The sessions told and still standing by, with when each was told (nanoseconds). */
  private final Map<Session, Long> awaited = new ConcurrentHashMap<>();
  private final LongSupplier nanos;
  private final PacedBroadcast.Later later;
  /**
   * A telling per hub gone (news of one hub ends no telling of another's); kept, one entry for each
   * hub of the directory that ever went: a mesh has a few.
   */
  private final Map<NodeId, PacedBroadcast<Session>> tellings = new ConcurrentHashMap<>();

  Standbys(PacedBroadcast.Later later) {
    this(later, System::nanoTime);
  }

  Standbys(PacedBroadcast.Later later, LongSupplier nanos) {
    this.later = later;
    this.nanos = nanos;
  }

  /** The node stands by on this session: an older one of the same node closes. */
  void add(Session s) {
    Session before = byNode.put(s.node(), s);
    if (before != null && before != s) {
      before.close();
    }
  }

  /** The session stands by no more (it registered, or ended); a newer one of its node stays. */
  void remove(Session s) {
    byNode.remove(s.node(), s);
  }

  int size() {
    return byNode.size();
  }

  /**
   * Tells the nodes homed at {@code hub} that it left or went silent, the first batch now and the
   * rest paced, each session only if it still stands by when its batch goes; a node whose home the
   * mirror does not know is told too, and one told within {@link #AWAIT} is not told again. A
   * telling of the same hub again ends the one under way (it starts over, with the nodes standing
   * by now).
   *
   * @param homeOf a node's home as the directory's mirror has it
   * @return how many are told
   */
  int tellGone(NodeId hub, Function<NodeId, Optional<NodeId>> homeOf) {
    HubMessage gone = new HubMessage.HubGone(hub);
    List<Session> homedThere =
        byNode.values().stream().filter(s -> homeOf.apply(s.node()).map(hub::equals).orElse(true)).toList();
    tellings.computeIfAbsent(hub, h -> new PacedBroadcast<>(later)).start(homedThere, s -> {
      if (byNode.get(s.node()) != s || awaited.containsKey(s)) {
        return false; // registered here meanwhile (this is its home now), ended, or told already
      }
      awaited.put(s, nanos.getAsLong());
      try {
        s.send(gone);
      } catch (IOException e) {
        // that session is ending
      }
      return true;
    }, this::room);
    return homedThere.size();
  }

  /** How many more nodes may be told now: those told lately that still stand by here are awaited. */
  private int room() {
    long now = nanos.getAsLong();
    awaited.entrySet().removeIf(e -> byNode.get(e.getKey().node()) != e.getKey() || now - e.getValue() > AWAIT.toNanos());
    return Math.max(0, AWAITED - awaited.size());
  }
}
