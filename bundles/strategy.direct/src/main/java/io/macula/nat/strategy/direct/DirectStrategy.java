package io.macula.nat.strategy.direct;

import io.macula.nat.api.Applicability;
import io.macula.nat.api.ConnectionStrategy;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodePair;
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
 * QUIC straight to the remote node. It applies when the remote is reachable from outside: the
 * address it reports is the one the hub observes it at, so no NAT stands in between.
 */
@Component
public final class DirectStrategy implements ConnectionStrategy {
  static final String NAME = "direct";

  private final Endpoint endpoint;

  @Activate
  public DirectStrategy(@Reference Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 100;
  }

  @Override
  public Duration timeout() {
    return Duration.ofSeconds(2);
  }

  @Override
  public Applicability appliesTo(NodePair pair) {
    NodeDescriptor remote = pair.remote();
    Optional<InetSocketAddress> observed = remote.observedAddress();
    if (observed.isEmpty()) {
      return Applicability.no("the hub knows no address of " + remote.id().shortForm());
    }
    if (!remote.reportedAddresses().contains(observed.get())) {
      return Applicability.no(remote.id().shortForm() + " is behind a NAT: the hub sees it at "
          + observed.get() + ", it reports " + remote.reportedAddresses());
    }
    return Applicability.yes();
  }

  @Override
  public CompletableFuture<PeerPath> attempt(NodePair pair) {
    Optional<InetSocketAddress> target = pair.remote().observedAddress();
    if (target.isEmpty()) {
      return CompletableFuture.failedFuture(StrategyFailure.notApplicable("no address to try"));
    }
    return ConnectionPath.attempt(NAME,
        endpoint.connect(pair.remote().id(), new TransportPath.Direct(target.get()), Endpoint.PEER_PROTOCOL));
  }
}
