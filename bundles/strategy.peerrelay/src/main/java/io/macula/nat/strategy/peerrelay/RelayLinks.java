package io.macula.nat.strategy.peerrelay;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import io.macula.nat.api.StrategyFailure;
import io.macula.nat.transport.api.ConnectionPath;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * This node's links to relays: one QUIC connection to each relay it uses ({@link
 * Endpoint#RELAY_PROTOCOL}), kept while it lives, which measures the round trip to the relay and
 * carries the questions for pairs.
 */
final class RelayLinks {
  /** How long a question for a pair may go unanswered: the relay answers within its own wait. */
  static final Duration ANSWER_WAIT = PairTable.ASK_WAIT.plusSeconds(2);
  /** How long a link no connection's path goes through is kept: a relay holds a connection for each. */
  static final Duration LINK_IDLE = Duration.ofMinutes(2);

  /** A link to a relay, at the address this node reaches it at, and how long its handshake took. */
  record Link(NodeId relay, InetSocketAddress address, QuicConnection connection, Duration handshake) {
    /** The round trip to the relay as the link measures it now, or its handshake's. */
    Duration rtt() {
      return connection.roundTripTime().filter(d -> !d.isZero()).orElse(handshake);
    }
  }

  private final Endpoint endpoint;
  private final Executor blocking;
  private final Map<NodeId, CompletableFuture<Link>> links = new ConcurrentHashMap<>();
  /** When each relay's link was last made, asked for a pair, or carried a connection's path (nanoTime). */
  private final Map<NodeId, Long> lastUsed = new ConcurrentHashMap<>();

  RelayLinks(Endpoint endpoint, Executor blocking) {
    this.endpoint = endpoint;
    this.blocking = blocking;
  }

  /** The link to a relay at its address: the open one, or a new one. */
  CompletableFuture<Link> link(NodeId id, InetSocketAddress address) {
    lastUsed.put(id, System.nanoTime());
    CompletableFuture<Link> made = links.compute(id, (k, was) -> {
      if (was != null && (!was.isDone() || usable(was, address))) {
        return was;
      }
      long started = System.nanoTime();
      return endpoint.connect(id, new TransportPath.Direct(address), Endpoint.RELAY_PROTOCOL)
          .thenApply(c -> new Link(id, address, c, Duration.ofNanos(System.nanoTime() - started)));
    });
    made.whenComplete((l, e) -> {
      if (e != null) {
        links.remove(id, made);
      }
    });
    return made;
  }

  private static boolean usable(CompletableFuture<Link> link, InetSocketAddress address) {
    if (link.isCompletedExceptionally()) {
      return false;
    }
    Link l = link.join();
    return l.connection().isOpen() && l.address().equals(address);
  }

  /**
   * Asks the relay of a link for a pair with {@code peer}: the key of this node's frames through it
   * once the peer asked too, or a {@link StrategyFailure} that says why not.
   */
  CompletableFuture<byte[]> pair(Link link, NodeId peer) {
    lastUsed.put(link.relay(), System.nanoTime());
    CompletableFuture<byte[]> key = new CompletableFuture<>();
    PeerStream[] opened = new PeerStream[1];
    blocking.execute(() -> {
      try (PeerStream stream = link.connection().openStream()) {
        synchronized (opened) {
          opened[0] = stream;
        }
        PairRequest.writeRequest(stream.output(), peer);
        PairRequest.Answer answer = PairRequest.readAnswer(stream.input());
        if (answer.isPaired()) {
          key.complete(answer.key());
        } else {
          key.completeExceptionally(StrategyFailure.refused(
              "the relay " + link.relay().shortForm() + " refused: " + answer.refusal()));
        }
      } catch (IOException | RuntimeException e) {
        key.completeExceptionally(ConnectionPath.failure(e));
      }
    });
    key.orTimeout(ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((k, e) -> {
      synchronized (opened) {
        if (e != null && opened[0] != null) {
          opened[0].close(); // a relay gone silent: the read above ends with the stream
        }
      }
    });
    return key;
  }

  /** The links open now, by relay. */
  Map<NodeId, Link> open() {
    Map<NodeId, Link> out = new java.util.TreeMap<>(java.util.Comparator.comparing(NodeId::toString));
    links.forEach((id, f) -> {
      if (f.isDone() && !f.isCompletedExceptionally() && f.join().connection().isOpen()) {
        out.put(id, f.join());
      }
    });
    return out;
  }

  /**
   * Forgets the links that closed, and closes those no connection's path went through for {@link
   * #LINK_IDLE}; {@code gone} hears the address of each relay this node has no link to any more.
   *
   * @param inUse whether a connection's path goes through the relay at an address now
   */
  void prune(java.util.function.Predicate<InetSocketAddress> inUse, long nowNanos,
      java.util.function.Consumer<InetSocketAddress> gone) {
    links.forEach((id, f) -> {
      if (!f.isDone() || f.isCompletedExceptionally()) {
        return; // being made, or being forgotten (link())
      }
      Link l = f.join();
      boolean closed = !l.connection().isOpen();
      if (!closed && inUse.test(l.address())) {
        lastUsed.put(id, nowNanos);
      } else if (closed || nowNanos - lastUsed.getOrDefault(id, nowNanos) > LINK_IDLE.toNanos()) {
        if (links.remove(id, f)) {
          lastUsed.remove(id);
          l.connection().close();
          gone.accept(l.address());
        }
      }
    });
  }

  void close() {
    links.values().forEach(f -> f.thenAccept(l -> l.connection().close()));
    links.clear();
    lastUsed.clear();
  }
}
