package io.macula.nat.strategy.peerrelay;

import io.macula.nat.api.NodeId;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The nodes linked to this relay and the pairs it relays between. A pair exists once both of its
 * nodes asked for it, each over its own link, within {@link #ASK_WAIT}; it lasts while both links
 * do and it carries packets (an idle pair goes after {@link #PAIR_IDLE}, as a TURN permission
 * does). Pairs, and questions waiting for their other half, count against the limit together.
 * Each pair may use an equal share of the relay's bytes and packets a second: no pair starves the
 * others.
 */
final class PairTable {
  /** How long a node's question waits for the other node's. */
  static final Duration ASK_WAIT = Duration.ofSeconds(5);
  /** The questions one link may have waiting at once: a node cannot fill the table with them. */
  static final int WAITING_PER_LINK = 4;
  /** How long a pair that relays nothing lasts: the nodes' path probes keep one in use alive. */
  static final Duration PAIR_IDLE = Duration.ofSeconds(60);

  /** One node's link to this relay: where its frames come from, and the key of their MACs. */
  static final class Link {
    final NodeId node;
    final InetSocketAddress address;
    final byte[] key;
    /** The pairs of this link, by the other node. */
    final Map<NodeId, Pair> pairs = new ConcurrentHashMap<>();
    /** What the relay forwarded from this link's node, over all its pairs. */
    final LongAdder packetsSent = new LongAdder();
    final LongAdder bytesSent = new LongAdder();

    Link(NodeId node, InetSocketAddress address, byte[] key) {
      this.node = node;
      this.address = address;
      this.key = key.clone();
    }
  }

  /** Two links this relay forwards between. */
  static final class Pair {
    final Link a;
    final Link b;
    final long since;
    volatile long lastUsed;
    final LongAdder packets = new LongAdder();
    final LongAdder bytes = new LongAdder();
    /** This pair's share of the relay's budget. */
    final RelayBudget share;

    Pair(Link a, Link b, long now, RelayBudget share) {
      this.a = a;
      this.b = b;
      this.since = now;
      this.lastUsed = now;
      this.share = share;
    }

    Link other(Link one) {
      return one == a ? b : a;
    }
  }

  /** A node's question for a pair, waiting for the other's. */
  private record Waiting(Link from, NodeId to, CompletableFuture<PairRequest.Answer> answer, long since) {}

  private final Map<InetSocketAddress, Link> byAddress = new ConcurrentHashMap<>();
  private final List<Waiting> waiting = new ArrayList<>(); // guarded by this
  private final List<Pair> pairs = new ArrayList<>(); // guarded by this
  private volatile int maxPairs;
  private final java.util.function.LongSupplier nanos;
  private long bytesPerSecond; // guarded by this
  private long packetsPerSecond; // guarded by this

  PairTable(int maxPairs, long bytesPerSecond, long packetsPerSecond, java.util.function.LongSupplier nanos) {
    this.maxPairs = maxPairs;
    this.nanos = nanos;
    this.bytesPerSecond = bytesPerSecond;
    this.packetsPerSecond = packetsPerSecond;
  }

  /** The relay's budget, shared equally by its pairs from now on. */
  synchronized void budget(long bytesPerSecond, long packetsPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
    this.packetsPerSecond = packetsPerSecond;
    reshare();
  }

  /** Each pair's share of the budget, after a pair came or went. */
  private void reshare() {
    int n = Math.max(1, pairs.size());
    for (Pair p : pairs) {
      p.share.limit(Math.max(1, bytesPerSecond / n), Math.max(1, packetsPerSecond / n));
    }
  }

  void maxPairs(int max) {
    maxPairs = max;
  }

  /** A node linked from {@code address}: frames from there are its, under its key. */
  synchronized void linked(Link link) {
    Link was = byAddress.put(link.address, link);
    if (was != null && was != link) {
      unlinked(was); // the node linked again from the same address: the old link's pairs are gone
    }
  }

  /** A link ended: its pairs and questions with it. */
  synchronized void unlinked(Link link) {
    byAddress.remove(link.address, link);
    for (Pair p : List.copyOf(link.pairs.values())) {
      remove(p);
    }
    waiting.removeIf(w -> {
      if (w.from() == link) {
        w.answer().complete(PairRequest.Answer.refused("the link to the relay ended"));
        return true;
      }
      return false;
    });
  }

  /** The link frames from {@code address} come over, or null. Any thread. */
  Link link(InetSocketAddress address) {
    return byAddress.get(address);
  }

  /**
   * A node asks for a pair with another: answered at once when the other asked already (or the pair
   * exists), or refused when the table is full; else when the other asks, or refused after {@link
   * #ASK_WAIT} ({@link #expire}).
   */
  synchronized CompletableFuture<PairRequest.Answer> ask(Link from, NodeId to, long now) {
    if (from.node.equals(to)) {
      return CompletableFuture.completedFuture(PairRequest.Answer.refused("a node is not relayed to itself"));
    }
    Pair existing = from.pairs.get(to);
    if (existing != null) {
      existing.lastUsed = now;
      return CompletableFuture.completedFuture(PairRequest.Answer.paired(from.key));
    }
    for (int i = 0; i < waiting.size(); i++) {
      Waiting w = waiting.get(i);
      if (w.from().node.equals(to) && w.to().equals(from.node) && w.from() != from) {
        waiting.remove(i);
        Pair p = new Pair(w.from(), from, now, new RelayBudget(bytesPerSecond, packetsPerSecond, nanos));
        pairs.add(p);
        reshare();
        w.from().pairs.put(from.node, p);
        from.pairs.put(w.from().node, p);
        w.answer().complete(PairRequest.Answer.paired(w.from().key));
        return CompletableFuture.completedFuture(PairRequest.Answer.paired(from.key));
      }
    }
    int ownWaiting = 0;
    for (Waiting w : waiting) {
      if (w.from() == from && w.to().equals(to)) {
        return w.answer(); // asked again while waiting: the same answer
      }
      ownWaiting += w.from() == from ? 1 : 0;
    }
    if (ownWaiting >= WAITING_PER_LINK) {
      return CompletableFuture.completedFuture(PairRequest.Answer.refused(
          "more than " + WAITING_PER_LINK + " questions of one node wait already"));
    }
    if (pairs.size() + waiting.size() >= maxPairs) {
      return CompletableFuture.completedFuture(PairRequest.Answer.refused(
          "the relay is at its limit of " + maxPairs + (maxPairs == 1 ? " pair" : " pairs")));
    }
    CompletableFuture<PairRequest.Answer> answer = new CompletableFuture<>();
    waiting.add(new Waiting(from, to, answer, now));
    return answer;
  }

  /** The pair a frame from {@code from} for {@code to} belongs to, or null when they are no pair. */
  static Pair pair(Link from, NodeId to, long now) {
    Pair p = from.pairs.get(to);
    if (p != null) {
      p.lastUsed = now;
    }
    return p;
  }

  /** Questions that waited too long are refused; pairs idle too long go. */
  synchronized void expire(long now) {
    waiting.removeIf(w -> {
      if (now - w.since() > ASK_WAIT.toNanos()) {
        w.answer().complete(PairRequest.Answer.refused(
            w.to().shortForm() + " did not ask the relay for the pair within " + ASK_WAIT.toSeconds() + " s"));
        return true;
      }
      return false;
    });
    for (Pair p : List.copyOf(pairs)) {
      if (now - p.lastUsed > PAIR_IDLE.toNanos()) {
        remove(p);
      }
    }
  }

  private void remove(Pair p) {
    if (pairs.remove(p)) {
      reshare();
    }
    p.a.pairs.remove(p.b.node, p);
    p.b.pairs.remove(p.a.node, p);
  }

  synchronized List<Pair> pairs() {
    return List.copyOf(pairs);
  }

  synchronized int waiting() {
    return waiting.size();
  }

  int links() {
    return byAddress.size();
  }
}
