package io.macula.nat.strategy.holepunch;

import io.macula.nat.api.Applicability;
import io.macula.nat.api.ConnectionStrategy;
import io.macula.nat.api.NatPairTable;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerPath;
import io.macula.nat.api.Signalling;
import io.macula.nat.api.StrategyFailure;
import io.macula.nat.ice.api.CandidateType;
import io.macula.nat.ice.api.IceAgent;
import io.macula.nat.ice.api.IceFailedException;
import io.macula.nat.ice.api.IceResult;
import io.macula.nat.transport.api.ConnectionPath;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.TransportPath;
import io.macula.nat.api.PeerChannel;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A direct path between two nodes behind NATs: both ICE agents check every pair of candidates at
 * once, which opens each NAT towards the other, and QUIC then runs on the pair they selected. Two
 * nodes behind one NAT find each other's LAN (host) candidates this way too.
 */
@Component(configurationPid = HolePunchStrategy.PID)
@Designate(ocd = HolePunchStrategy.Config.class)
public final class HolePunchStrategy implements ConnectionStrategy {
  static final String NAME = "holepunch";
  static final String PID = "io.macula.nat.strategy.holepunch";

  /**
   * The strategy's defaults, in Metatype for an operator to read (and set, with this PID); an
   * override made with nat:priority or nat:timeout (PID io.macula.nat.strategy~holepunch) goes over them.
   */
  @ObjectClassDefinition(name = "Macula NAT hole punch strategy", description = "ICE checks from both sides, then QUIC on the pair they select: its defaults.")
  public @interface Config {
    @AttributeDefinition(description = "Higher goes first; the roadmap's default is 80.")
    int priority() default 80;

    @AttributeDefinition(min = "1", description = "Milliseconds a connect waits for this strategy before starting the next.")
    long timeout__ms() default 3000;
  }

  private final int priority;
  private final Duration timeout;

  private final IceAgent ice;
  private final Endpoint endpoint;
  private final Signalling signalling;

  @Activate
  public HolePunchStrategy(Config config, @Reference IceAgent ice, @Reference Endpoint endpoint,
      @Reference Signalling signalling) {
    this.ice = ice;
    this.endpoint = endpoint;
    this.signalling = signalling;
    this.priority = config.priority();
    this.timeout = ConnectionStrategy.configuredTimeout(PID, config.timeout__ms());
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
  public Applicability appliesTo(NodePair pair) {
    if (!signalling.isConnected()) {
      return Applicability.no("no hub session to exchange candidates through");
    }
    if (pair.remote().observedAddress().isEmpty()) {
      return Applicability.no(pair.remote().id().shortForm() + " is not registered with the hub");
    }
    return NatPairTable.unpunchable(pair.local().nat(), pair.remote().nat())
        .map(why -> Applicability.no("no hole can open: " + why))
        .orElse(Applicability.yes());
  }

  /**
   * Whether the pair ICE chose reaches one of the peer's own addresses: a path on this node's own
   * network, not one punched through a NAT. The peer's check can arrive before its host candidate
   * does, and then names it a peer-reflexive one; the addresses the peer reported to the hub tell
   * (when the pair is known: null when the hub said nothing).
   */
  static boolean lanPath(IceResult r, NodePair pair) {
    return r.remote().type() == CandidateType.HOST
        || pair != null && pair.remote().reportedAddresses().contains(r.remote().address());
  }

  /**
   * Where QUIC goes on the pair ICE selected: through this node's relayed address (its TURN
   * server) when the local candidate is that one; else from the socket, to a relayed address of
   * the peer's (a TURN path), to the peer on its own network (direct), or through its NAT.
   */
  static TransportPath path(IceResult r, NodePair pair) {
    if (r.through().isPresent()) {
      return new TransportPath.Carried(r.through().get(), r.remote().address());
    }
    PathKind kind = r.remote().type() == CandidateType.RELAYED ? PathKind.TURN
        : lanPath(r, pair) ? PathKind.DIRECT : PathKind.HOLE_PUNCHED;
    return new TransportPath.Direct(r.remote().address(), kind);
  }

  @Override
  public CompletableFuture<PeerPath> attempt(NodePair pair) {
    CompletableFuture<PeerPath> result = new CompletableFuture<>();
    CompletableFuture<IceResult> session = ice.connect(pair.remote().id());
    session.whenComplete((r, e) -> {
      if (e != null) {
        result.completeExceptionally(failure(e));
        return;
      }
      if (result.isDone()) {
        return; // abandoned while ICE ran
      }
      ConnectionPath.attempt(NAME, endpoint.connect(pair.remote().id(), path(r, pair), Endpoint.PEER_PROTOCOL))
          .whenComplete((path, error) -> {
            if (error != null) {
              result.completeExceptionally(error);
            } else if (!result.complete(path)) {
              ((ConnectionPath) path).connection().close();
            }
          });
    });
    result.whenComplete((p, e) -> {
      if (e instanceof CancellationException) {
        session.cancel(true);
      }
    });
    return result;
  }

  @Override
  public Set<PathKind> pathKinds() {
    return KINDS;
  }

  /** Direct on a LAN, hole punched through NATs, or to a peer's relayed address through its TURN server. */
  private static final Set<PathKind> KINDS = Set.copyOf(EnumSet.of(PathKind.DIRECT, PathKind.HOLE_PUNCHED, PathKind.TURN));

  @Override
  public boolean movesConnections() {
    return true;
  }

  /**
   * Runs ICE checks with the peer beside the live connection; when they select a pair that needs
   * no relay, the connection moves to it (the peer's side moves when its session selects the same
   * pair: {@link NominatedPaths}). A pair through a TURN server is no better than a relay: neither
   * side gathers a relayed candidate for it (nor holds an allocation, nor waits for one).
   */
  @Override
  public CompletableFuture<PathKind> move(NodePair pair, PeerChannel connection, String reason) {
    CompletableFuture<PathKind> result = new CompletableFuture<>();
    CompletableFuture<IceResult> session = ice.connect(pair.remote().id(), false); // a relay is no upgrade
    session.whenComplete((r, e) -> {
      if (e != null) {
        result.completeExceptionally(failure(e));
      } else if (r.relayed()) {
        result.completeExceptionally(StrategyFailure.networkError("ICE found only a path through a TURN server", null));
      } else {
        NominatedPaths.moveAll(List.of(connection), r, pair, reason);
        result.complete(HolePunchStrategy.path(r, pair).kind());
      }
    });
    result.whenComplete((k, e) -> {
      if (e != null) {
        session.cancel(true); // timed out or cancelled: the checks stop
      }
    });
    return result;
  }

  private static StrategyFailure failure(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof IceFailedException f) {
      return StrategyFailure.networkError("ICE: " + f.getMessage(), f);
    }
    return ConnectionPath.failure(cause);
  }
}
