package io.macula.nat.strategy.turn;

import io.macula.nat.api.Applicability;
import io.macula.nat.api.ConnectionStrategy;
import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDirectory;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerPath;
import io.macula.nat.api.SignalListener;
import io.macula.nat.api.Signalling;
import io.macula.nat.api.StrategyFailure;
import io.macula.nat.transport.api.ConnectionPath;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.TransportPath;
import io.macula.nat.turn.api.RelayedAddress;
import io.macula.nat.turn.api.TurnRelay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The peer-to-peer QUIC connection through a TURN server: the peer gives its relayed address (the
 * one it holds on its TURN server) and lets this node's public address send to it; this node's
 * QUIC then talks to that address, and the server forwards the packets, which it cannot read, to
 * the peer and back. Where a hole cannot be punched (a symmetric NAT), this still works, and only
 * the peer needs a TURN server.
 */
@Component(service = {ConnectionStrategy.class, SignalListener.class}, configurationPid = TurnStrategy.PID,
    immediate = true)
@Designate(ocd = TurnStrategy.Config.class)
public final class TurnStrategy implements ConnectionStrategy, SignalListener {
  static final String NAME = "turn";
  static final String PID = "io.macula.nat.strategy.turn";
  /** Requests of peers served at once: each may make the TURN client allocate and add permissions. */
  static final int MAX_SERVING = 16;

  /**
   * The strategy's defaults, in Metatype for an operator to read (and set, with this PID); an
   * override made with nat:priority or nat:timeout (PID io.macula.nat.strategy~turn) goes over them.
   */
  @ObjectClassDefinition(name = "Macula NAT TURN strategy",
      description = "QUIC through the relayed address the peer holds on a TURN server: its defaults.")
  public @interface Config {
    @AttributeDefinition(description = "Higher goes first; between hole punching (80) and the peer relay (60).")
    int priority() default 70;

    @AttributeDefinition(min = "1", description = "Milliseconds a connect waits for this strategy before starting the next.")
    long timeout__ms() default 5000;
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final int priority;
  private final Duration timeout;
  private final Endpoint endpoint;
  private final Logger log;
  /** This node's requests waiting for their peer's answer, by session. */
  private final Map<String, CompletableFuture<InetSocketAddress>> asked = new ConcurrentHashMap<>();
  /** The relayed addresses whose packets this strategy hands to the endpoint. */
  private final Set<RelayedAddress> delivering = ConcurrentHashMap.newKeySet();
  private final AtomicInteger serving = new AtomicInteger();

  // The hub session provides both and takes this component as a SignalListener: held as service
  // objects, got only when used, so that neither activation starts the other's (a cycle).
  @Reference(service = Signalling.class, cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
  private volatile ComponentServiceObjects<Signalling> signallingObjects;

  private volatile TurnRelay turn;
  /** Stops hearing of the TURN client's renewals. */
  private volatile AutoCloseable renewals;
  private final AllocationMoves moves;

  @Reference(service = NodeDirectory.class, cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
  private volatile ComponentServiceObjects<NodeDirectory> directoryObjects;

  @Activate
  public TurnStrategy(Config config, @Reference Endpoint endpoint,
      @Reference(service = LoggerFactory.class) Logger log) {
    this.endpoint = endpoint;
    this.log = log;
    this.priority = config.priority();
    this.timeout = ConnectionStrategy.configuredTimeout(PID, config.timeout__ms());
    this.moves = new AllocationMoves(endpoint, this::carrierOf, this::send, log);
  }

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void bindTurn(TurnRelay relay) {
    turn = relay;
    // Every connection through the old address moves, whichever strategy made it (this one, or
    // hole punching with the ICE agent's relayed candidate).
    renewals = relay.onRenewal(moves::renewed);
  }

  void unbindTurn(TurnRelay relay) {
    if (turn == relay) {
      turn = null;
      try {
        renewals.close();
      } catch (Exception e) {
        log.debug("stopping to hear of TURN renewals: {}", e.toString());
      }
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return priority;
  }

  @Override
  public Duration timeout() {
    return timeout;
  }

  @Override
  public Set<PathKind> pathKinds() {
    return Set.of(PathKind.TURN);
  }

  @Override
  public Applicability appliesTo(NodePair pair) {
    if (!using(signallingObjects, Signalling::isConnected).orElse(false)) {
      return Applicability.no("no hub session to ask the peer for its relayed address through");
    }
    if (pair.remote().observedAddress().isEmpty()) {
      return Applicability.no(pair.remote().id().shortForm() + " is not registered with the hub");
    }
    if (pair.local().observedAddress().isEmpty()) {
      return Applicability.no("the hub has not said which address it sees this node at");
    }
    if (pair.local().nat() == NatBehavior.UDP_BLOCKED) {
      TurnRelay relay = turn;
      if (relay == null || relay.servers().isEmpty()) {
        return Applicability.no("UDP is blocked here and no TURN server is configured");
      }
    }
    return Applicability.yes();
  }

  @Override
  public CompletableFuture<PeerPath> attempt(NodePair pair) {
    String session = HexFormat.of().formatHex(randomBytes());
    CompletableFuture<PeerPath> result = new CompletableFuture<>();
    // Behind a network that blocks UDP, this node's packets go through its own relayed address too
    // (its TURN client reaches the server over TCP); else straight from its socket.
    CompletableFuture<Optional<RelayedAddress>> own = pair.local().nat() != NatBehavior.UDP_BLOCKED
        ? CompletableFuture.completedFuture(Optional.empty())
        : ownRelay().thenApply(Optional::of);
    CompletableFuture<InetSocketAddress> answer = own.thenCompose(carrier -> ask(pair, session, carrier));
    result.whenComplete((p, e) -> {
      asked.remove(session); // won, failed or given up on: an answer that comes later finds nothing
      if (e instanceof CancellationException) {
        answer.cancel(false);
      }
    });
    answer.whenComplete((relayed, e) -> {
      if (e != null) {
        result.completeExceptionally(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
        return;
      }
      if (result.isDone()) {
        return;
      }
      Optional<RelayedAddress> carrier = own.join();
      // Through this node's relayed address: it must let the peer's relayed address answer.
      CompletableFuture<Void> permitted = carrier
          .map(c -> c.permit(List.of(relayed.getAddress())))
          .orElse(CompletableFuture.completedFuture(null));
      TransportPath path = carrier.<TransportPath>map(c -> new TransportPath.Carried(c, relayed))
          .orElse(new TransportPath.Direct(relayed, PathKind.TURN));
      permitted.thenCompose(ok -> ConnectionPath.attempt(NAME,
              endpoint.connect(pair.remote().id(), path, Endpoint.PEER_PROTOCOL)))
          .whenComplete((p, error) -> {
            if (error != null) {
              result.completeExceptionally(error instanceof CompletionException && error.getCause() != null
                  ? error.getCause() : error);
            } else if (!result.complete(p)) {
              ((ConnectionPath) p).connection().close();
            }
          });
    });
    return result;
  }

  /** This node's own relayed address, as a carrier of its packets. */
  private CompletableFuture<RelayedAddress> ownRelay() {
    TurnRelay relay = turn;
    if (relay == null) {
      return CompletableFuture.failedFuture(StrategyFailure.notApplicable("UDP is blocked here and no TURN client runs"));
    }
    return relay.relayedAddress().thenApply(this::carrierOf);
  }

  /**
   * Asks the peer for its relayed address, naming the addresses this node's packets come from:
   * its relayed address when it has to use its own, else its public one.
   */
  private CompletableFuture<InetSocketAddress> ask(NodePair pair, String session, Optional<RelayedAddress> own) {
    CompletableFuture<InetSocketAddress> answer = new CompletableFuture<>();
    asked.put(session, answer);
    answer.whenComplete((a, e) -> asked.remove(session));
    List<InetSocketAddress> from = own.map(c -> List.of(c.relayed()))
        .orElse(pair.local().observedAddress().stream().toList());
    try {
      boolean sent = using(signallingObjects, hub -> {
        hub.signal(pair.remote().id(), TurnSignal.encode(new TurnSignal.Request(session, from)));
        return true;
      }).orElse(false);
      if (!sent) {
        throw new IllegalStateException("it ended");
      }
    } catch (IllegalStateException e) {
      answer.completeExceptionally(StrategyFailure.notApplicable("no hub session: " + e.getMessage()));
    }
    return answer;
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return b;
  }

  @Override
  public void signal(NodeId from, byte[] payload) {
    if (!TurnSignal.isTurn(payload)) {
      return; // another listener's
    }
    TurnSignal s;
    try {
      s = TurnSignal.decode(payload);
    } catch (TurnSignal.Malformed e) {
      log.debug("malformed TURN signal from {}: {}", from.shortForm(), e.getMessage());
      return;
    }
    if (s instanceof TurnSignal.Request r) {
      serve(from, r);
    } else if (s instanceof TurnSignal.Relay r) {
      answered(r.session(), r.relayed(), null);
    } else if (s instanceof TurnSignal.Moved m) {
      moves.peerMoved(from, m);
    } else if (s instanceof TurnSignal.MovedOk m) {
      moves.peerMovedOk(from, m.session());
    } else {
      String reason = ((TurnSignal.Refuse) s).reason();
      if (!moves.peerRefused(from, s.session(), reason)) {
        answered(s.session(), null, reason);
      }
    }
  }

  private void answered(String session, InetSocketAddress relayed, String refusal) {
    CompletableFuture<InetSocketAddress> answer = asked.get(session);
    if (answer == null) {
      return; // given up on, or never asked: nothing to do
    }
    if (relayed != null) {
      answer.complete(relayed);
    } else {
      answer.completeExceptionally(StrategyFailure.refused("the peer has no relayed address: " + refusal));
    }
  }

  /**
   * A peer asks for this node's relayed address: permit the addresses it sends from (those it
   * named, and the one the hub sees it at), then give it the address.
   */
  private void serve(NodeId from, TurnSignal.Request r) {
    TurnRelay relay = turn;
    if (relay == null) {
      refuse(from, r.session(), "its TURN client is not running");
      return;
    }
    if (serving.incrementAndGet() > MAX_SERVING) {
      serving.decrementAndGet();
      refuse(from, r.session(), "busy: " + MAX_SERVING + " requests are being served");
      return;
    }
    Set<InetAddress> permit = new LinkedHashSet<>();
    r.from().forEach(a -> permit.add(a.getAddress()));
    using(directoryObjects, d -> d.find(from)).flatMap(n -> n).flatMap(n -> n.observedAddress())
        .ifPresent(a -> permit.add(a.getAddress()));
    relay.relayedAddress()
        .thenCompose(a -> {
          carrierOf(a);
          return a.permit(permit).thenApply(ok -> a.relayed());
        })
        .whenComplete((relayed, e) -> {
          serving.decrementAndGet();
          if (e == null) {
            send(from, new TurnSignal.Relay(r.session(), relayed));
          } else {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            refuse(from, r.session(), cause.getMessage());
          }
        });
  }

  /** The relayed address as the endpoint's carrier: what peers send through it goes to the endpoint. */
  private RelayedAddress carrierOf(RelayedAddress a) {
    delivering.removeIf(old -> !old.isOpen());
    if (delivering.add(a)) {
      a.deliverTo(endpoint);
    }
    return a;
  }

  private void refuse(NodeId to, String session, String reason) {
    send(to, new TurnSignal.Refuse(session, reason));
  }

  private void send(NodeId to, TurnSignal s) {
    try {
      // No hub session: the session ended, and the peer's attempt times out.
      using(signallingObjects, hub -> {
        hub.signal(to, TurnSignal.encode(s));
        return true;
      });
    } catch (IllegalStateException e) {
      log.debug("TURN answer to {} not sent: {}", to.shortForm(), e.getMessage());
    }
  }

  /** What {@code f} makes of a service held as service objects, if it is there. */
  private static <S, R> Optional<R> using(ComponentServiceObjects<S> objects, java.util.function.Function<S, R> f) {
    if (objects == null) {
      return Optional.empty();
    }
    S service = objects.getService();
    try {
      return service == null ? Optional.empty() : Optional.ofNullable(f.apply(service));
    } finally {
      if (service != null) {
        objects.ungetService(service);
      }
    }
  }
}
