package io.macula.nat.strategy.turn;

import io.macula.nat.api.NodeId;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import io.macula.nat.turn.api.RelayedAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.osgi.service.log.Logger;

/**
 * Moves live connections off a TURN allocation that is renewed (its time-limited credentials run
 * out), with no reconnect. The side that holds it lets each peer's address send to the renewed
 * address, takes what arrives there as the connection's, and tells the peer ({@code moved}); the
 * peer sends to the renewed address and says so ({@code moved-ok}); only then does this side send
 * through it too, so neither ever sends where the other does not listen.
 */
final class AllocationMoves {
  /** How long a move waits for the peer's word: after it, the connection stays put until the old address ends. */
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
  static final String RENEWED = "its TURN allocation was renewed";
  static final String PEER_RENEWED = "the peer's TURN allocation was renewed";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A move this side started: the peer it waits on, and what it does once the peer moved. */
  private record Pending(NodeId peer, Runnable then) {}

  private final Endpoint endpoint;
  private final Function<RelayedAddress, RelayedAddress> carrierOf;
  private final BiConsumer<NodeId, TurnSignal> signal;
  private final Logger log;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();

  AllocationMoves(Endpoint endpoint, Function<RelayedAddress, RelayedAddress> carrierOf,
      BiConsumer<NodeId, TurnSignal> signal, Logger log) {
    this.endpoint = endpoint;
    this.carrierOf = carrierOf;
    this.signal = signal;
    this.log = log;
  }

  /** This node's relayed address {@code old} is renewed as {@code renewed}: every connection through it moves. */
  void renewed(RelayedAddress old, RelayedAddress renewed) {
    RelayedAddress next = carrierOf.apply(renewed);
    Set<NodeId> peers = new HashSet<>();
    for (QuicConnection c : endpoint.connections()) {
      if (c.path() instanceof TransportPath.Carried p && p.carrier() == old && peers.add(c.peer())) {
        TransportPath.Carried to = new TransportPath.Carried(next, p.peer(), p.kind());
        renewed.permit(List.of(p.peer().getAddress())).whenComplete((ok, e) -> {
          if (e != null) {
            log.warn("connection with {} stays on {}: {}", c.peer().shortForm(), old, e.getMessage());
            return;
          }
          c.addPath(to);
          String session = HexFormat.of().formatHex(randomBytes());
          pending.put(session, new Pending(c.peer(), () -> c.switchPath(to, RENEWED)));
          CompletableFuture.delayedExecutor(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .execute(() -> {
                if (pending.remove(session) != null) {
                  log.warn("{} did not move to {}: the connection stays on {} until it ends",
                      c.peer().shortForm(), renewed.relayed(), old);
                }
              });
          signal.accept(c.peer(), new TurnSignal.Moved(session, old.relayed(), renewed.relayed()));
        });
      }
    }
  }

  /**
   * The peer's relayed address {@code m.from()} is renewed as {@code m.to()}: this side's
   * connections with it that send to the old address send to the new one, and the peer hears so.
   * Connections with anyone else, or to any other address, are left alone.
   */
  void peerMoved(NodeId from, TurnSignal.Moved m) {
    List<CompletableFuture<Void>> moves = new java.util.ArrayList<>();
    for (QuicConnection c : endpoint.connections()) {
      if (!c.peer().equals(from) || !c.path().nextHop().equals(m.from())) {
        continue;
      }
      if (c.path() instanceof TransportPath.Direct d) {
        c.switchPath(new TransportPath.Direct(m.to(), d.kind()), PEER_RENEWED);
        moves.add(CompletableFuture.completedFuture(null));
      } else if (c.path() instanceof TransportPath.Carried p && p.carrier() instanceof RelayedAddress own) {
        // Through this node's own relayed address: it must let the renewed one answer first.
        moves.add(own.permit(List.of(m.to().getAddress()))
            .thenRun(() -> c.switchPath(new TransportPath.Carried(own, m.to(), p.kind()), PEER_RENEWED)));
      }
    }
    if (moves.isEmpty()) {
      signal.accept(from, new TurnSignal.Refuse(m.session(), "no connection here sends to " + m.from()));
      return;
    }
    CompletableFuture.allOf(moves.toArray(CompletableFuture[]::new)).whenComplete((ok, e) -> {
      if (e == null) {
        signal.accept(from, new TurnSignal.MovedOk(m.session()));
      } else {
        signal.accept(from, new TurnSignal.Refuse(m.session(), "cannot let " + m.to() + " answer: " + e.getMessage()));
      }
    });
  }

  /** The peer sends to the renewed address now: so does this side. Only the peer asked can say so. */
  void peerMovedOk(NodeId from, String session) {
    Pending p = pending.get(session);
    if (p != null && p.peer().equals(from) && pending.remove(session, p)) {
      p.then().run();
    }
  }

  /** The peer could not move: the connection stays on the old address until it ends. */
  boolean peerRefused(NodeId from, String session, String reason) {
    Pending p = pending.get(session);
    if (p != null && p.peer().equals(from) && pending.remove(session, p)) {
      log.warn("{} did not move to a renewed relayed address: {}", from.shortForm(), reason);
      return true;
    }
    return false;
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return b;
  }
}
