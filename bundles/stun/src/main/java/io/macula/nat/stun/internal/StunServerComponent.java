package io.macula.nat.stun.internal;

import io.macula.nat.api.SharedSocket;
import io.macula.nat.stun.api.StunServerRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
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

/**
 * A STUN server on the node's own port, sharing the socket with QUIC: while a {@link
 * StunServerRequest} is registered (every hub registers one), and on another node when configured
 * to. With an alternate address it binds the three other sockets RFC 5780 needs and answers NAT
 * behaviour discovery.
 */
@Component(
    service = StunServerComponent.class,
    configurationPid = StunServerComponent.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = StunServerComponent.Config.class)
public final class StunServerComponent {
  static final String PID = "io.macula.nat.stun.server";

  @ObjectClassDefinition(
      name = "Macula NAT STUN server",
      description = "Answers STUN Binding requests on the node's port; RFC 5780 with an alternate address.")
  public @interface Config {
    @AttributeDefinition(description = "Answer STUN on a node that is not a hub too (a hub always does).")
    boolean enabled() default false;

    @AttributeDefinition(required = false, description = "The IP address clients reach the node's socket at;"
        + " by default the one the socket is bound to. Needed with an alternate address when the socket is"
        + " bound to a wildcard address.")
    String address() default "";

    @AttributeDefinition(required = false, description = "A second IP address of this host, for RFC 5780"
        + " (CHANGE-REQUEST, OTHER-ADDRESS); empty: plain RFC 8489, and CHANGE-REQUEST is refused with 420.")
    String alternate__address() default "";

    @AttributeDefinition(min = "0", max = "65535", description = "The alternate port; 0: the node's port + 1.")
    int alternate__port() default 0;

    @AttributeDefinition(required = false, description = "The SOFTWARE attribute of answers; empty: none,"
        + " which keeps answers short (a forged request then gains an attacker less).")
    String software() default "";

    @AttributeDefinition(min = "0", description = "Answers each source network (IPv4 /24, IPv6 /64) gets per"
        + " second, twice as many at once; 0: no limit.")
    int answers__per__second() default 200;
  }

  private final Logger log;
  private final Config config;
  private final StunCounters counters = new StunCounters();
  /** The I/O thread of the RFC 5780 sockets: made when they are first bound, most nodes never need it. */
  private EventLoopGroup group; // guarded by this
  private final List<UdpSocket> ownSockets = new ArrayList<>();
  private volatile BindingServer server; // guarded by this for writes

  @Activate
  public StunServerComponent(Config config, @Reference(service = LoggerFactory.class) Logger log) {
    this.log = log;
    this.config = config;
    address(config.address(), "address");
    address(config.alternate__address(), "alternate_address");
    if (config.answers__per__second() < 0) {
      throw new IllegalArgumentException(PID + ": key 'answers_per_second' must be 0 or more, not "
          + config.answers__per__second());
    }
    if (config.alternate__port() < 0 || config.alternate__port() > 65535) {
      throw new IllegalArgumentException(PID + ": key 'alternate_port' must be 0-65535, not " + config.alternate__port());
    }
  }

  static InetAddress address(String text, String key) {
    if (text.isBlank()) {
      return null;
    }
    try {
      return InetAddress.getByName(text.strip());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(PID + ": key '" + key + "' is not an address: '" + text + "'");
    }
  }

  private SharedSocket socket; // guarded by this
  private final List<StunServerRequest> requests = new ArrayList<>(); // guarded by this

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  synchronized void bindSocket(SharedSocket s) {
    socket = s;
    restartLocked();
  }

  synchronized void unbindSocket(SharedSocket s) {
    if (socket == s) {
      socket = null;
      restartLocked();
    }
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  synchronized void bindRequest(StunServerRequest r) {
    boolean wasServing = wantedLocked();
    requests.add(r);
    if (!wasServing) {
      log.info("STUN server requested by {}", r.requester());
      restartLocked();
    }
  }

  synchronized void unbindRequest(StunServerRequest r) {
    requests.remove(r);
    if (!wantedLocked()) {
      restartLocked();
    }
  }

  private boolean wantedLocked() {
    return config.enabled() || !requests.isEmpty();
  }

  /** Answers while the node has a socket and someone asks for a server, or it is configured to. */
  private void restartLocked() {
    server = null;
    closeSockets();
    if (socket == null || !wantedLocked()) {
      return;
    }
    try {
      server = start(socket);
    } catch (RuntimeException e) {
      log.error("{}: the STUN server cannot start: {}", PID, e.getMessage());
      closeSockets();
      server = null;
    }
  }

  private BindingServer start(SharedSocket socket) {
    InetSocketAddress bound = socket.localAddress();
    InetAddress ip = address(config.address(), "address");
    if (ip == null) {
      ip = bound.getAddress();
    }
    InetSocketAddress primary = new InetSocketAddress(ip, bound.getPort());
    List<BindingServer.Socket> sockets = new ArrayList<>();
    sockets.add(new BindingServer.Socket(primary, socket::send));
    InetAddress alternate = address(config.alternate__address(), "alternate_address");
    if (alternate != null) {
      if (ip.isAnyLocalAddress()) {
        throw new IllegalArgumentException(PID + ": with 'alternate_address', key 'address' must name the"
            + " socket's own IP address, since it is bound to " + bound);
      }
      int altPort = config.alternate__port() == 0 ? bound.getPort() + 1 : config.alternate__port();
      for (InetSocketAddress a : BindingServer.alternates(ip, bound.getPort(), alternate, altPort)) {
        if (group == null) {
          group = UdpSocket.newGroup(1);
        }
        UdpSocket s = UdpSocket.bind(group, a, this::receivedOnOwnSocket);
        ownSockets.add(s);
        sockets.add(new BindingServer.Socket(a, s));
      }
    }
    BindingServer s = new BindingServer(sockets, config.software(),
        new SourceRateLimit(config.answers__per__second(), System::nanoTime), counters);
    log.info("STUN server on {}{}", primary,
        sockets.size() == 4 ? ", RFC 5780 with " + sockets.get(3).local() : "");
    return s;
  }

  private void receivedOnOwnSocket(InetSocketAddress at, InetSocketAddress sender, ByteBuf raw) {
    BindingServer s = server;
    if (s == null) {
      counters.drop(StunCounters.REQUEST_NOT_SERVED);
    } else {
      s.received(at, sender, raw);
    }
  }

  /** The server that answers on the node's socket, or null while the node has no socket. */
  BindingServer bindingServer() {
    return server;
  }

  /** Requests answered on the alternate sockets, and what they dropped. */
  StunCounters counters() {
    return counters;
  }

  private void closeSockets() {
    ownSockets.forEach(UdpSocket::close);
    ownSockets.clear();
  }

  @Deactivate
  synchronized void deactivate() {
    server = null;
    closeSockets();
    if (group != null) {
      UdpSocket.shutdown(group);
    }
  }
}
