package io.macula.nat.turn.internal;

import io.macula.nat.api.HostPort;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.RelayTraffic;
import io.macula.nat.turn.api.TurnAllocationInfo;
import io.macula.nat.turn.api.TurnServerOffer;
import io.macula.nat.turn.api.TurnService;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The TURN server inside the node (a hub runs one): it runs only when configured, on a port of its
 * own, UDP and TCP. Its users are those configured and whoever holds time-limited credentials made
 * with its secret; a hub hands those to every node it admits.
 */
@Component(service = {TurnService.class, RelayTraffic.class}, configurationPid = TurnServerComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
@Designate(ocd = TurnServerComponent.Config.class)
public final class TurnServerComponent implements TurnService, RelayTraffic {
  static final String PID = "io.macula.nat.turn.server";

  @ObjectClassDefinition(name = "Macula NAT TURN server",
      description = "The TURN server this node runs (a hub hands its nodes credentials for it): where it listens,"
          + " whom it serves, what it relays.")
  public @interface Config {
    @AttributeDefinition(description = "Address and port it listens on, UDP and TCP, host:port.")
    String listen() default "0.0.0.0:3478";

    @AttributeDefinition(required = false, description = "The IP its relayed addresses are on, the one peers reach;"
        + " needed when 'listen' is a wildcard, else the listening IP.")
    String relay__ip() default "";

    @AttributeDefinition(required = false, description = "host:port clients are told to reach it at (behind a"
        + " port forward, say); by default the relay IP and the listening port.")
    String public__address() default "";

    @AttributeDefinition(description = "The realm of its long-term credentials.")
    String realm() default "macula";

    @AttributeDefinition(required = false, type = AttributeType.PASSWORD,
        description = "Users with long-term credentials, name:password each.")
    String[] users() default {};

    @AttributeDefinition(required = false, type = AttributeType.PASSWORD,
        description = "Secret for time-limited (TURN REST) credentials, as coturn's static-auth-secret; by"
            + " default a random one made at each start, which only this node's hub knows to use.")
    String secret() default "";

    @AttributeDefinition(required = false, description = "Peer ranges (CIDR) allowed although they are loopback,"
        + " link-local, private or multicast ones, which are refused by default.")
    String[] allow__peers() default {};

    @AttributeDefinition(min = "1", description = "Allocations one user may hold at once.")
    int allocations__per__user() default 10;

    @AttributeDefinition(min = "0", description = "Bytes a second relayed in all, both ways; 0: no limit.")
    long bandwidth__bytes__per__second() default 0;
  }

  private final TurnServer server;
  private final byte[] secret;
  private final String uri;
  private final Clock clock = Clock.systemUTC();

  @Activate
  public TurnServerComponent(Config config, @Reference(service = LoggerFactory.class) Logger log) throws IOException {
    InetSocketAddress listen = address(config.listen(), "listen").resolved();
    InetAddress relayIp = relayIp(config.relay__ip(), listen);
    Map<String, String> users = users(config.users());
    this.secret = config.secret().isEmpty() ? randomSecret() : config.secret().getBytes(StandardCharsets.UTF_8);
    PeerFilter peers;
    try {
      peers = PeerFilter.allowing(List.of(config.allow__peers()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(PID + ": key 'allow_peers': " + e.getMessage(), e);
    }
    if (config.allocations__per__user() < 1 || config.bandwidth__bytes__per__second() < 0) {
      throw new IllegalArgumentException(PID + ": keys 'allocations_per_user' (at least 1) and"
          + " 'bandwidth_bytes_per_second' (0 or more) are out of range");
    }
    this.server = new TurnServer(new TurnServer.Settings(listen, relayIp,
        new ServerCredentials(config.realm(), users, Optional.of(secret), clock, ServerCredentials.NONCE_LIFETIME),
        peers, config.allocations__per__user(), Duration.ofMinutes(10), Duration.ofHours(1),
        config.bandwidth__bytes__per__second(), clock));
    HostPort advertised = config.public__address().isBlank()
        ? new HostPort(relayIp.getHostAddress(), server.localAddress().getPort())
        : address(config.public__address(), "public_address");
    this.uri = "turn:" + advertised;
    log.info("TURN server on {} (UDP and TCP), relaying from {}, reached as {}", server.localAddress(),
        relayIp.getHostAddress(), uri);
  }

  static HostPort address(String text, String key) {
    try {
      return key.equals("listen") ? HostPort.parse(text) : HostPort.parseRemote(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(PID + ": key '" + key + "': " + e.getMessage(), e);
    }
  }

  static InetAddress relayIp(String text, InetSocketAddress listen) {
    if (text.isBlank()) {
      if (listen.getAddress().isAnyLocalAddress()) {
        throw new IllegalArgumentException(PID + ": key 'relay_ip' must be set: 'listen' is a wildcard address,"
            + " and peers must be told one they can reach");
      }
      return listen.getAddress();
    }
    try {
      InetAddress ip = InetAddress.getByName(text.strip());
      if (ip.isAnyLocalAddress()) {
        throw new UnknownHostException("a wildcard address");
      }
      return ip;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(PID + ": key 'relay_ip': '" + text + "' is not an address peers can reach", e);
    }
  }

  static Map<String, String> users(String[] entries) {
    Map<String, String> out = new HashMap<>();
    for (String e : entries) {
      int colon = e.indexOf(':');
      if (colon <= 0 || colon == e.length() - 1) {
        throw new IllegalArgumentException(PID + ": key 'users': each is name:password");
      }
      out.put(e.substring(0, colon), e.substring(colon + 1));
    }
    return out;
  }

  private static byte[] randomSecret() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return java.util.Base64.getEncoder().encode(b);
  }

  @Deactivate
  void deactivate() {
    server.close();
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public TurnServerOffer credentialsFor(String user, Duration lifetime) {
    TurnCredentials c = TurnCredentials.rest(user, secret, lifetime, clock);
    return new TurnServerOffer(uri, c.username(), c.password(),
        Instant.ofEpochSecond(Long.parseLong(c.username().substring(0, c.username().indexOf(':')))));
  }

  @Override
  public List<TurnAllocationInfo> allocations() {
    return server.allocationInfo();
  }

  @Override
  public Map<String, Long> counters() {
    return server.counters();
  }

  @Override
  public PathKind kind() {
    return PathKind.TURN;
  }

  /** What each user's allocations relayed, both ways, and the users whose allocations all ended, as one row. */
  @Override
  public List<Carried> carried() {
    List<Carried> out = new java.util.ArrayList<>();
    server.relayedByUser().forEach((user, t) -> out.add(new Carried(user, t.packets.sum(), t.bytes.sum())));
    return out;
  }

  @Override
  public Map<String, Long> drops() {
    Map<String, Long> out = new java.util.TreeMap<>();
    server.counters().forEach((k, v) -> {
      if (k.startsWith("drop-")) {
        out.put(k.substring("drop-".length()), v);
      }
    });
    return out;
  }
}
