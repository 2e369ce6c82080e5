package io.macula.nat.strategy.hubrelay;

import io.macula.nat.api.Applicability;
import io.macula.nat.api.ConnectionStrategy;
import io.macula.nat.api.HubRelay;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerPath;
import io.macula.nat.api.StrategyFailure;
import io.macula.nat.transport.api.ConnectionPath;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.TransportPath;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import io.macula.nat.api.PeerChannel;
import io.macula.nat.transport.api.QuicConnection;
import java.util.concurrent.CompletableFuture;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The peer-to-peer QUIC connection over the hub's relay: the hub forwards its packets, which it
 * cannot read, between the two nodes. It applies whenever both nodes are registered with the hub.
 */
@Component(configurationPid = HubRelayStrategy.PID)
@Designate(ocd = HubRelayStrategy.Config.class)
public final class HubRelayStrategy implements ConnectionStrategy {
  static final String NAME = "hubrelay";
  static final String PID = "io.macula.nat.strategy.hubrelay";

  /**
   * The strategy's defaults, in Metatype for an operator to read (and set, with this PID); an
   * override made with nat:priority or nat:timeout (PID io.macula.nat.strategy~hubrelay) goes over them.
   */
  @ObjectClassDefinition(name = "Macula NAT hub relay strategy", description = "QUIC through the hub, which forwards packets it cannot read: its defaults.")
  public @interface Config {
    @AttributeDefinition(description = "Higher goes first; the roadmap's default is 40.")
    int priority() default 40;

    @AttributeDefinition(min = "1", description = "Milliseconds a connect waits for this strategy before starting the next.")
    long timeout__ms() default 5000;
  }

  private final int priority;
  private final Duration timeout;

  private final Endpoint endpoint;
  private final HubRelay hub;

  @Activate
  public HubRelayStrategy(Config config, @Reference Endpoint endpoint, @Reference HubRelay hub) {
    this.endpoint = endpoint;
    this.hub = hub;
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
    if (hub.relayAddress().isEmpty()) {
      return Applicability.no(hub.whyNoRelay().orElse("no session with the hub"));
    }
    if (pair.remote().observedAddress().isEmpty()) {
      return Applicability.no(pair.remote().id().shortForm() + " is not registered with the hub");
    }
    return Applicability.yes();
  }

  @Override
  public CompletableFuture<PeerPath> attempt(NodePair pair) {
    Optional<InetSocketAddress> address = hub.relayAddress();
    if (address.isEmpty()) {
      return CompletableFuture.failedFuture(StrategyFailure.notApplicable(hub.whyNoRelay().orElse("no session with the hub")));
    }
    TransportPath relay = new TransportPath.Relayed(address.get(), pair.remote().id(), PathKind.HUB_RELAY);
    return ConnectionPath.attempt(NAME, endpoint.connect(pair.remote().id(), relay, Endpoint.PEER_PROTOCOL));
  }

  @Override
  public Set<PathKind> pathKinds() {
    return Set.of(PathKind.HUB_RELAY);
  }

  @Override
  public boolean movesConnections() {
    return true;
  }

  /**
   * Puts the connection on the hub relay at once: the floor under every connection whose path
   * stopped answering. The hub forwards to the peer, whose endpoint takes relayed packets from it
   * as the connection's, so nothing needs asking first.
   */
  @Override
  public CompletableFuture<PathKind> move(NodePair pair, PeerChannel connection, String reason) {
    Optional<InetSocketAddress> address = hub.relayAddress();
    if (address.isEmpty()) {
      return CompletableFuture.failedFuture(StrategyFailure.notApplicable(hub.whyNoRelay().orElse("no session with the hub")));
    }
    if (!(connection instanceof QuicConnection c) || !c.isOpen()) {
      return CompletableFuture.failedFuture(StrategyFailure.notApplicable("not an open connection of this node's endpoint"));
    }
    c.switchPath(new TransportPath.Relayed(address.get(), c.peer(), PathKind.HUB_RELAY), reason);
    return CompletableFuture.completedFuture(PathKind.HUB_RELAY);
  }
}
