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
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * QUIC straight to the remote node. It applies when the remote is reachable from outside: the
 * address it reports is the one the hub observes it at, so no NAT stands in between.
 */
@Component(configurationPid = DirectStrategy.PID)
@Designate(ocd = DirectStrategy.Config.class)
public final class DirectStrategy implements ConnectionStrategy {
  static final String NAME = "direct";
  static final String PID = "io.macula.nat.strategy.direct";

  /**
   * The strategy's defaults, in Metatype for an operator to read (and set, with this PID); an
   * override made with nat:priority or nat:timeout (PID io.macula.nat.strategy~direct) goes over them.
   */
  @ObjectClassDefinition(name = "Macula NAT direct strategy", description = "QUIC straight to a reachable node: its defaults.")
  public @interface Config {
    @AttributeDefinition(description = "Higher goes first; the roadmap's default is 100.")
    int priority() default 100;

    @AttributeDefinition(min = "1", description = "Milliseconds a connect waits for this strategy before starting the next.")
    long timeout__ms() default 2000;
  }

  private final int priority;
  private final Duration timeout;

  private final Endpoint endpoint;

  @Activate
  public DirectStrategy(Config config, @Reference Endpoint endpoint) {
    this.endpoint = endpoint;
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
    if (pair.local().nat() == io.macula.nat.api.NatBehavior.UDP_BLOCKED) {
      return Applicability.no("UDP is blocked here");
    }
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
