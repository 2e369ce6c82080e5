package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.hub.api.Hub;
import io.macula.nat.hub.protocol.HubMessage;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Signals between nodes homed at different hubs, one hop from the sender's hub to the
 * recipient's. The recipient's hub delivers a forward only if the directory names the sending hub
 * the sender's home, and sends back what it cannot deliver; the sender's hub then tries the
 * recipient's newer home, read afresh, once, or tells its node why.
 */
final class Forwarding {
  /** What forwarding reads of the directory. */
  interface Directory {
    Optional<Hub.HomedNode> node(NodeId id);

    Optional<Hub.MeshHub> hub(NodeId id);

    /** Where a hub is reached, resolved already (never on the caller's thread); empty if it is down or does not resolve. */
    Optional<InetSocketAddress> hubAddress(NodeId id);

    /** The record as the ensemble has it now, past the mirror. */
    CompletionStage<Optional<Hub.HomedNode>> fresh(NodeId id);
  }

  /** Sends to another hub over this hub's link to it. */
  interface Links {
    void send(NodeId hub, InetSocketAddress address, HubMessage m);
  }

  /** What became of a message for a node registered here. */
  enum Delivery { SENT, NOT_REGISTERED, NOT_READING }

  /** The sessions of the nodes registered here. */
  interface Sessions {
    Delivery send(NodeId node, HubMessage m);
  }

  private final NodeId self;
  private final Supplier<Directory> directory;
  private final Links links;
  private final Sessions sessions;
  private final LongAdder forwarded = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder refusedSenders = new LongAdder();
  private final LongAdder refusedReturns = new LongAdder();
  private final SentForwards sent = new SentForwards();

  /** {@code directory} gives null while the directory is not open. */
  Forwarding(NodeId self, Supplier<Directory> directory, Links links, Sessions sessions) {
    this.self = self;
    this.directory = directory;
    this.links = links;
    this.sessions = sessions;
  }

  /**
   * A signal from a node registered here to one that is not: on to the hub the directory says
   * holds it.
   *
   * @return why it cannot go, if it cannot
   */
  Optional<String> forward(NodeId from, NodeId to, byte[] payload) {
    Directory d = directory.get();
    Optional<Hub.HomedNode> record = d == null ? Optional.empty() : d.node(to);
    if (record.isEmpty() || record.get().home().equals(self)) {
      return Optional.of("node " + to + " is not registered");
    }
    return send(d, record.get().home(), new HubMessage.Forward(from, to, payload));
  }

  /**
   * Where a node not registered here is homed, for a lookup: the mirror's record when it names a
   * live hub other than this one; else the record read afresh, after a sync (the node may have
   * registered, or re-homed, a moment ago), if it names one.
   */
  CompletionStage<Optional<Hub.HomedNode>> lookup(NodeId node) {
    Directory d = directory.get();
    if (d == null) {
      return java.util.concurrent.CompletableFuture.completedFuture(Optional.empty());
    }
    java.util.function.Predicate<Hub.HomedNode> live = r -> !r.home().equals(self) && d.hub(r.home()).isPresent();
    Optional<Hub.HomedNode> mirrored = d.node(node).filter(live);
    if (mirrored.isPresent() || !lookupsReading.tryAcquire()) {
      return java.util.concurrent.CompletableFuture.completedFuture(mirrored);
    }
    CompletionStage<Optional<Hub.HomedNode>> read = d.fresh(node);
    read.whenComplete((r, e) -> lookupsReading.release());
    return read.thenApply(record -> record.filter(live));
  }

  /**
   * Lookups that may read past the mirror at once: fewer than the directory allows, so that
   * nodes looking up ids nobody has leave room for the reads forwarded signals need.
   */
  static final int MAX_LOOKUPS_READING = 64;
  private final java.util.concurrent.Semaphore lookupsReading =
      new java.util.concurrent.Semaphore(MAX_LOOKUPS_READING);

  /** A message another hub sent on its link. */
  void received(NodeId hub, HubMessage m) {
    if (m instanceof HubMessage.Forward f) {
      forwarded(hub, f);
    } else if (m instanceof HubMessage.Unforwarded u) {
      unforwarded(hub, u);
    }
  }

  /** A message that never reached the hub it was for: a forward's sender is told. */
  void undelivered(HubMessage m, String why) {
    if (m instanceof HubMessage.Forward f) {
      sessions.send(f.from(), new HubMessage.Refused("node " + f.to() + " is unreachable: " + why));
    }
  }

  /** Signals this hub sent on to other hubs. */
  long forwarded() {
    return forwarded.sum();
  }

  /** Signals other hubs forwarded that this hub delivered. */
  long delivered() {
    return delivered.sum();
  }

  /** Forwards dropped because the sending hub is not the sender's home. */
  long refusedSenders() {
    return refusedSenders.sum();
  }

  /** Forwards sent back that answer none this hub sent: dropped. */
  long refusedReturns() {
    return refusedReturns.sum();
  }

  /**
   * The forwards this hub sent lately, by sender, recipient and hub: only those may come back as
   * {@link HubMessage.Unforwarded}. Bounded; the oldest go first, and after {@link #KEPT}.
   */
  static final class SentForwards {
    static final int MAX = 4096;
    static final long KEPT = java.time.Duration.ofSeconds(30).toNanos();
    private final java.util.LinkedHashMap<String, Long> at = new java.util.LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
        return size() > MAX;
      }
    };

    synchronized void remember(NodeId from, NodeId to, NodeId hub) {
      at.put(from + "|" + to + "|" + hub, System.nanoTime());
    }

    synchronized boolean take(NodeId from, NodeId to, NodeId hub) {
      Long when = at.remove(from + "|" + to + "|" + hub);
      return when != null && System.nanoTime() - when < KEPT;
    }
  }

  private Optional<String> send(Directory d, NodeId home, HubMessage.Forward f) {
    if (d.hub(home).isEmpty()) {
      return Optional.of("node " + f.to() + "'s hub " + home + " is down");
    }
    Optional<InetSocketAddress> address = d.hubAddress(home);
    if (address.isEmpty()) {
      return Optional.of("node " + f.to() + "'s hub " + home + " has an address that does not resolve here");
    }
    links.send(home, address.get(), f);
    sent.remember(f.from(), f.to(), home);
    forwarded.increment();
    return Optional.empty();
  }

  private void forwarded(NodeId hub, HubMessage.Forward f) {
    Directory d = directory.get();
    if (d == null) {
      return;
    }
    if (d.node(f.from()).filter(r -> r.home().equals(hub)).isPresent()) {
      deliver(d, hub, f);
      return;
    }
    // The mirror may lag the sender's registration by a moment: the ensemble decides.
    d.fresh(f.from()).whenComplete((record, failure) -> {
      if (record != null && record.filter(r -> r.home().equals(hub)).isPresent()) {
        deliver(d, hub, f);
      } else {
        refusedSenders.increment();
      }
    });
  }

  private void deliver(Directory d, NodeId hub, HubMessage.Forward f) {
    String why = switch (sessions.send(f.to(), new HubMessage.Signal(f.from(), f.payload()))) {
      case SENT -> null;
      case NOT_REGISTERED -> "node " + f.to() + " is not registered at hub " + self;
      case NOT_READING -> "node " + f.to() + " is unreachable";
    };
    if (why == null) {
      delivered.increment();
      return;
    }
    d.hubAddress(hub).ifPresent(back ->
        links.send(hub, back, new HubMessage.Unforwarded(f.from(), f.to(), why, f.payload())));
  }

  private void unforwarded(NodeId hub, HubMessage.Unforwarded u) {
    Directory d = directory.get();
    if (d == null || !sent.take(u.from(), u.to(), hub)) {
      refusedReturns.increment(); // not the answer to a forward of ours: nothing is sent in a node's name
      return;
    }
    d.fresh(u.to()).whenComplete((record, failure) -> {
      NodeId home = record == null ? null : record.map(Hub.HomedNode::home).orElse(null);
      Optional<String> refusal = Optional.of(u.reason());
      if (home != null && !home.equals(hub) && !home.equals(self)) {
        refusal = send(d, home, new HubMessage.Forward(u.from(), u.to(), u.payload()));
      }
      refusal.ifPresent(why -> sessions.send(u.from(), new HubMessage.Refused(why)));
    });
  }
}
