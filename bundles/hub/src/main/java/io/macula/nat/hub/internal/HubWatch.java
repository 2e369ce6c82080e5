package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.hub.protocol.HubMessage;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Watches the other hubs of the mesh over this hub's links to them: a ping on each link every
 * {@link #PING_EVERY}, and a hub that sent nothing at all (not even the acknowledgements of those
 * pings) for {@link #SILENT_AFTER} is reported silent, once until it is heard again. Sooner than the
 * directory can tell: a hub that dies leaves it only when its ZooKeeper session expires.
 */
final class HubWatch {
  static final Duration PING_EVERY = Duration.ofMillis(500);
  static final Duration SILENT_AFTER = Duration.ofSeconds(2);

  /** The links to the other hubs, as the watch uses them. */
  interface Links {
    /** Sends on the link to the hub, which opens if it is not open. */
    void send(NodeId hub, InetSocketAddress address, HubMessage m);

    /** The bytes received from the hub so far, on the link this hub opened; empty while none is open. */
    OptionalLong bytesFrom(NodeId hub);
  }

  /** A hub of the mesh and where it is reached. */
  record Watched(NodeId id, InetSocketAddress address) {}

  private final Links links;
  private final Consumer<NodeId> silent;
  /** By hub: what was received from it when last counted, since when, and whether it was reported. */
  private final Map<NodeId, Heard> heard = new HashMap<>();
  private long pings;

  private static final class Heard {
    long bytes;
    long sinceNanos;
    boolean reported;

    Heard(long bytes, long sinceNanos) {
      this.bytes = bytes;
      this.sinceNanos = sinceNanos;
    }
  }

  HubWatch(Links links, Consumer<NodeId> silent) {
    this.links = links;
    this.silent = silent;
  }

  /** Pings every other hub listed now, and reports those silent too long; called by one thread. */
  void tick(Collection<Watched> hubs, long nowNanos) {
    heard.keySet().retainAll(hubs.stream().map(Watched::id).toList()); // a hub gone from the directory is no longer watched
    for (Watched h : hubs) {
      links.send(h.id(), h.address(), new HubMessage.Ping(++pings));
      long bytes = links.bytesFrom(h.id()).orElse(-1);
      Heard e = heard.get(h.id());
      if (e == null) {
        heard.put(h.id(), new Heard(bytes, nowNanos));
      } else if (bytes != e.bytes) {
        e.bytes = bytes;
        e.sinceNanos = nowNanos;
        e.reported = false;
      } else if (!e.reported && nowNanos - e.sinceNanos >= SILENT_AFTER.toNanos()) {
        e.reported = true;
        silent.accept(h.id());
      }
    }
  }
}
