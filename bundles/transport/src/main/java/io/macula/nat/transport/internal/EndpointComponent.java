package io.macula.nat.transport.internal;

import io.macula.nat.api.HostPort;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.SharedSocket;
import io.macula.nat.api.StunHandler;
import io.macula.nat.transport.api.CarriedStunHandler;
import io.macula.nat.transport.api.ConnectionAcceptor;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.PacketCarrier;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.RelayExchange;
import io.macula.nat.transport.api.RelayHandler;
import io.macula.nat.transport.api.TransportPath;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The node's endpoint as a service: its socket, identity and connections. */
@Component(service = {Endpoint.class, SharedSocket.class}, configurationPid = EndpointComponent.PID, immediate = true)
@Designate(ocd = EndpointComponent.Config.class)
public final class EndpointComponent implements Endpoint {
  static final String PID = "io.macula.nat.endpoint";

  // A double underscore in a method name gives an underscore in the key (a single one, a dot).
  @ObjectClassDefinition(
      name = "Macula NAT endpoint",
      description = "The node's UDP socket, identity and QUIC settings.")
  public @interface Config {
    @AttributeDefinition(
        description = "Address and port to bind, host:port; port 0 picks a free one at each start.")
    String bind() default "0.0.0.0:0";

    @AttributeDefinition(
        required = false,
        description = "The node's key pair, a PEM file made on first start (owner-only); by"
            + " default in the framework's storage of this bundle.")
    String identity() default "";

    @AttributeDefinition(min = "1000", description = "Milliseconds of silence that end a connection.")
    long idle__timeout__ms() default 30_000;

    @AttributeDefinition(description = "Also take QUIC over TCP on the same port, each packet behind its length:"
        + " a hub does, for nodes whose network blocks UDP.")
    boolean tcp() default false;
  }

  private final Logger log;
  private final QuicEndpoint endpoint;
  private final Map<String, ConnectionAcceptor> acceptors = new ConcurrentHashMap<>();

  private final RelayHandlers relays = new RelayHandlers();

  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile StunHandler stun;

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void bindRelay(RelayHandler handler) {
    relays.add(handler);
  }

  void unbindRelay(RelayHandler handler) {
    relays.remove(handler);
  }

  /** At most one: a node runs one hub. */
  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile RelayExchange exchange;

  @Activate
  public EndpointComponent(
      Config config, BundleContext context, @Reference(service = LoggerFactory.class) Logger log)
      throws IOException, InterruptedException {
    this.log = log;
    InetSocketAddress bind = parseBind(config.bind());
    if (config.idle__timeout__ms() < 1000) {
      throw new IllegalArgumentException(
          PID + ": key 'idle_timeout_ms' must be at least 1000, not " + config.idle__timeout__ms());
    }
    Path identityFile = IdentityLocation.file(context, config.identity().strip());
    NodeIdentity identity = NodeIdentity.loadOrCreate(identityFile);
    IdentityLocation.record(context, identityFile);
    QuicEndpoint.Settings defaults = QuicEndpoint.Settings.defaults(bind);
    this.endpoint =
        new QuicEndpoint(
            identity,
            new QuicEndpoint.Settings(
                bind, Duration.ofMillis(config.idle__timeout__ms()), defaults.connectionWindow(),
                defaults.streamWindow(), defaults.consentLifetime()),
            p -> Optional.ofNullable(acceptors.get(p)),
            relays::orNull,
            () -> exchange,
            () -> stun);
    endpoint.logErrorsTo(log::debug);
    if (config.tcp()) {
      int port = endpoint.localAddress().getPort();
      try {
        endpoint.listenStreams();
      } catch (InterruptedException e) {
        endpoint.close();
        throw e;
      } catch (Exception e) { // a BindException, thrown unchecked by Netty
        endpoint.close();
        throw new IllegalArgumentException(PID + ": key 'tcp': cannot listen on TCP port " + port + ": "
            + e.getMessage(), e);
      }
    }
    log.info("node {} listening on {}{}", identity.id(), endpoint.localAddress(), config.tcp() ? " (UDP and TCP)" : "");
  }

  static InetSocketAddress parseBind(String text) {
    try {
      return HostPort.parse(text).resolved();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(PID + ": key 'bind': " + e.getMessage(), e);
    }
  }

  @Deactivate
  void deactivate() {
    endpoint.close();
  }

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void addAcceptor(ConnectionAcceptor acceptor, Map<String, Object> props) {
    Object protocol = props.get(ConnectionAcceptor.PROTOCOL);
    if (protocol instanceof String p) {
      acceptors.put(p, acceptor);
    } else {
      log.warn("a connection acceptor without the {} property is ignored", ConnectionAcceptor.PROTOCOL);
    }
  }

  void removeAcceptor(ConnectionAcceptor acceptor) {
    acceptors.values().remove(acceptor);
  }

  @Override
  public NodeId localId() {
    return endpoint.localId();
  }

  @Override
  public InetSocketAddress localAddress() {
    return endpoint.localAddress();
  }

  @Override
  public void mappingLifetime(java.time.Duration lifetime) {
    endpoint.mappingLifetime(lifetime);
    log.info("the NAT keeps idle mappings at least {} ms: path probes go within it", lifetime.toMillis());
  }

  @Override
  public CompletableFuture<QuicConnection> connect(NodeId peer, TransportPath path, String protocol) {
    return endpoint.connect(peer, path, protocol);
  }

  @Override
  public List<QuicConnection> connections() {
    return endpoint.connections();
  }

  @Override
  public AutoCloseable onConnection(java.util.function.Consumer<QuicConnection> listener) {
    return endpoint.onConnection(listener);
  }

  @Override
  public Optional<QuicConnection> connection(NodeId peer, String protocol) {
    return endpoint.connection(peer, protocol);
  }

  @Override
  public void trustRelay(InetSocketAddress relayAddress, byte[] key, io.macula.nat.api.PathKind kind) {
    endpoint.trustRelay(relayAddress, key, kind);
  }

  @Override
  public void distrustRelay(InetSocketAddress relayAddress) {
    endpoint.distrustRelay(relayAddress);
  }

  @Override
  public void passToRelay(InetSocketAddress relay, byte[] key, NodeId source, NodeId destination,
      java.nio.ByteBuffer packet) {
    endpoint.passToRelay(relay, key, source, destination, packet);
  }

  @Override
  public Claim claim(InetSocketAddress server, ServerTraffic handler) {
    return endpoint.claim(server, handler);
  }

  @Override
  public void receive(PacketCarrier carrier, InetSocketAddress peer, ByteBuffer packet) {
    endpoint.receive(carrier, peer, packet);
  }

  @Override
  public AutoCloseable handleCarriedStun(CarriedStunHandler handler) {
    return endpoint.handleCarriedStun(handler);
  }

  @Override
  public CompletableFuture<PacketCarrier> connectStream(InetSocketAddress address) {
    return endpoint.connectStream(address);
  }

  @Override
  public void send(InetSocketAddress to, ByteBuffer datagram) {
    endpoint.send(to, datagram);
  }

  @Override
  public Map<String, Integer> tables() {
    return endpoint.tables();
  }

  @Override
  public Map<String, Long> drops() {
    return endpoint.drops();
  }

  @Override
  public java.util.List<io.macula.nat.transport.api.PathMoveCount> pathMoves() {
    return endpoint.pathMoves();
  }
}
