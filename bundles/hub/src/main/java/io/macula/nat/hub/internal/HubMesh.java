package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.hub.protocol.HubMessage;
import io.macula.nat.transport.api.ConnectionAcceptor;
import io.macula.nat.transport.api.Endpoint;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The hub's part in the mesh, once its node's endpoint is there (the hub takes the endpoint when
 * it comes, so that neither waits for the other): its id and address, its directory, its links to
 * the other hubs, the signals it forwards over them, and its watch over those hubs.
 */
final class HubMesh implements AutoCloseable {
  final Endpoint endpoint;
  final NodeId self;
  /** The address the endpoint is bound to, as the directory writes addresses. */
  final String boundAddress;
  /** Bound to the wildcard address: nobody reaches the hub at its bound address. */
  final boolean boundToAll;
  final DirectoryHolder directory;
  final HubLinks links;
  final Forwarding forwarding;
  private final ServiceRegistration<ConnectionAcceptor> linkAcceptor;
  private final ScheduledFuture<?> watching;

  HubMesh(Endpoint endpoint, BundleContext context, DirectoryHolder.Factory directories, Forwarding.Sessions sessions,
      ScheduledExecutorService timer, Consumer<NodeId> silentHub, Logging log) {
    this.endpoint = endpoint;
    this.self = endpoint.localId();
    this.boundAddress = DirectoryRecords.address(endpoint.localAddress());
    this.boundToAll = endpoint.localAddress().getAddress().isAnyLocalAddress();
    this.directory = directories.holder(self);
    Forwarding[] forwards = new Forwarding[1];
    this.links = new HubLinks(endpoint, new HubLinks.Hub() {
      @Override
      public boolean isHub(NodeId id) {
        MeshDirectory d = directory.current();
        return d != null && d.hub(id).isPresent();
      }

      @Override
      public void received(NodeId hub, HubMessage m) {
        forwards[0].received(hub, m);
      }

      @Override
      public void undelivered(NodeId hub, HubMessage m, String why) {
        forwards[0].undelivered(m, why);
      }

      @Override
      public void log(String message, Object... args) {
        log.info(message, args);
      }
    });
    this.forwarding = new Forwarding(self, directory::current, links::send, sessions);
    forwards[0] = forwarding;
    this.linkAcceptor = context.registerService(ConnectionAcceptor.class, links,
        new Hashtable<>(Map.of(ConnectionAcceptor.PROTOCOL, Endpoint.HUB_LINK_PROTOCOL)));
    HubWatch watch = new HubWatch(new HubWatch.Links() {
      @Override
      public void send(NodeId hub, java.net.InetSocketAddress address, HubMessage m) {
        links.send(hub, address, m);
      }

      @Override
      public java.util.OptionalLong bytesFrom(NodeId hub) {
        return links.bytesFrom(hub);
      }
    }, silentHub);
    long every = HubWatch.PING_EVERY.toMillis();
    this.watching = timer.scheduleAtFixedRate(() -> {
      try {
        watch.tick(otherHubs(), System.nanoTime());
      } catch (RuntimeException e) {
        log.info("hub watch: {}", e.toString()); // and it goes on: a failed tick must not end the timer's task
      }
    }, every, every, TimeUnit.MILLISECONDS);
  }

  /** The other hubs the directory lists now, those whose address resolves. */
  private List<HubWatch.Watched> otherHubs() {
    MeshDirectory d = directory.current();
    if (d == null) {
      return List.of();
    }
    return d.hubs().stream().filter(h -> !h.self())
        .flatMap(h -> d.hubAddress(h.id()).map(a -> new HubWatch.Watched(h.id(), a)).stream())
        .toList();
  }

  /** The directory, or null while it is not open. */
  MeshDirectory directory() {
    return directory.current();
  }

  @Override
  public void close() {
    watching.cancel(false);
    try {
      linkAcceptor.unregister();
    } catch (IllegalStateException e) {
      // the bundle is stopping: unregistered already
    }
    links.close();
    directory.close();
  }

  /** Where the mesh part logs. */
  interface Logging {
    void info(String message, Object... args);
  }
}
