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
import java.util.concurrent.CompletableFuture;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The peer-to-peer QUIC connection over the hub's relay: the hub forwards its packets, which it
 * cannot read, between the two nodes. It applies whenever both nodes are registered with the hub.
 */
@Component
public final class HubRelayStrategy implements ConnectionStrategy {
  static final String NAME = "hubrelay";

  private final Endpoint endpoint;
  private final HubRelay hub;

  @Activate
  public HubRelayStrategy(@Reference Endpoint endpoint, @Reference HubRelay hub) {
    this.endpoint = endpoint;
    this.hub = hub;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 40;
  }

  @Override
  public Duration timeout() {
    return Duration.ofSeconds(5);
  }

  @Override
  public Applicability appliesTo(NodePair pair) {
    if (hub.relayAddress().isEmpty()) {
      return Applicability.no("no session with the hub");
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
      return CompletableFuture.failedFuture(StrategyFailure.notApplicable("no session with the hub"));
    }
    TransportPath relay = new TransportPath.Relayed(address.get(), pair.remote().id(), PathKind.HUB_RELAY);
    return ConnectionPath.attempt(NAME, endpoint.connect(pair.remote().id(), relay, Endpoint.PEER_PROTOCOL));
  }
}
