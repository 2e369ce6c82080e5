package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import io.macula.nat.api.StreamReceiver;
import io.macula.nat.hub.protocol.HubCodec;
import io.macula.nat.hub.protocol.HubFrames;
import io.macula.nat.hub.protocol.HubMessage;
import io.macula.nat.hub.protocol.HubProtocolException;
import io.macula.nat.transport.api.ConnectionAcceptor;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The hub's links to the other hubs of the mesh. To forward, a hub opens a link of its own to the
 * target's hub (a QUIC connection of {@link Endpoint#HUB_LINK_PROTOCOL}, which proves both hubs'
 * ids), at the first message, and keeps it while it lives; what the other hubs send comes on the
 * links they opened. Only a hub the directory lists is admitted.
 */
final class HubLinks implements ConnectionAcceptor {
  private static final java.security.SecureRandom KEYS = new java.security.SecureRandom();

  /** Bytes that may wait for a link: to open, or for its peer to read. */
  static final int MAX_WAITING = 1 << 20;

  /** What the links need of their hub. */
  interface Hub {
    /** Whether the directory lists {@code id} as a hub of the mesh now. */
    boolean isHub(NodeId id);

    /** A message another hub sent on its link. */
    void received(NodeId hub, HubMessage m);

    /** A message that did not leave: its link did not open, or its peer does not read. */
    void undelivered(NodeId hub, HubMessage m, String why);

    void log(String message, Object... args);
  }

  private final Endpoint endpoint;
  private final Hub hub;
  /** Where a link is set up once its connection is: not the endpoint's event loop, which opening a stream waits for. */
  private final java.util.concurrent.ExecutorService setup = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "nat-hub-links");
    t.setDaemon(true);
    return t;
  });
  /** The links' connections as the endpoint handed them over (other hubs', and this one's): closed with it. */
  private final java.util.Set<QuicConnection> inbound = ConcurrentHashMap.newKeySet();
  private final Map<NodeId, Link> links = new ConcurrentHashMap<>();
  /** The keys other hubs pass this one relay frames under, by the address their links come from. */
  private final Map<InetSocketAddress, PassKey> passKeys = new ConcurrentHashMap<>();
  /** The hubs a link to which is asked to open, for the relay: each once until its task runs. */
  private final java.util.Set<NodeId> opening = ConcurrentHashMap.newKeySet();
  private final LongAdder malformed = new LongAdder();

  /** The key another hub passes relay frames under, and that hub. */
  record PassKey(NodeId hub, byte[] key) {}

  HubLinks(Endpoint endpoint, Hub hub) {
    this.endpoint = endpoint;
    this.hub = hub;
  }

  /** Sends a message to a hub, over this hub's link to it, which opens now if it is not open. */
  void send(NodeId to, InetSocketAddress address, HubMessage m) {
    Link link = links.computeIfAbsent(to, id -> open(id, address));
    if (!link.usable()) { // its connection ended (the other hub restarted, say): another one
      links.remove(to, link);
      link = links.computeIfAbsent(to, id -> open(id, address));
    }
    link.send(m);
  }

  /**
   * The key this hub passes relay frames to {@code to} under: its link's, once the link is open
   * and the key sent on it. Null until then: the link opens now (off the caller's thread, an event
   * loop), and the packets meanwhile are dropped, as a path's first packets may be.
   */
  byte[] passKeyTo(NodeId to, InetSocketAddress address) {
    Link link = links.get(to);
    if (link != null && link.usable()) {
      return link.keyIfOpen();
    }
    if (!opening.add(to)) {
      return null; // asked already: one open at a time, however many packets come meanwhile
    }
    try {
      setup.execute(() -> {
        opening.remove(to);
        Link l = links.computeIfAbsent(to, id -> open(id, address));
        if (!l.usable()) {
          links.remove(to, l);
          links.computeIfAbsent(to, id -> open(id, address));
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      opening.remove(to); // the hub is stopping
    }
    return null;
  }

  /** The hub whose relay frames come from {@code sender}, with their key; null if none. */
  PassKey passKeyFrom(InetSocketAddress sender) {
    return passKeys.get(sender);
  }

  /** The bytes received so far from a hub on the link this hub opened to it; empty while none is open. */
  java.util.OptionalLong bytesFrom(NodeId hub) {
    Link link = links.get(hub);
    return link == null ? java.util.OptionalLong.empty() : link.bytesReceived();
  }

  /** Hub links whose frames did not parse: each closed, and counted. */
  long malformed() {
    return malformed.sum();
  }

  private Link open(NodeId id, InetSocketAddress address) {
    Link link = new Link(id);
    endpoint.connect(id, new TransportPath.Direct(address), Endpoint.HUB_LINK_PROTOCOL).whenComplete((c, failure) -> {
      if (failure != null) {
        link.failed("the link to hub " + id + " at " + address + " did not open: " + failure.getMessage());
        return;
      }
      try {
        setup.execute(() -> {
          try {
            link.opened(c, c.openStream());
          } catch (IOException e) {
            c.close();
            link.failed("the link to hub " + id + " opened no stream: " + e.getMessage());
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        c.close(); // the hub stopped meanwhile
      }
    });
    return link;
  }

  @Override
  public boolean admits(NodeId peer) {
    return hub.isHub(peer);
  }

  /** Another hub's link: what it sends comes on its first stream. */
  @Override
  public void accepted(QuicConnection connection) {
    NodeId from = connection.peer();
    // The endpoint hands this hub's own links here too: the other hub opens no stream on them.
    inbound.add(connection);
    connection.onStream(stream -> stream.receive(new StreamReceiver() {
      private final HubFrames frames = new HubFrames();
      /** The key this link gave, and where: only that entry goes with the link (a newer link may have replaced it). */
      private InetSocketAddress keyAt;
      private PassKey key;

      @Override
      public void received(ByteBuffer data) {
        try {
          for (HubMessage m : frames.read(data)) {
            if (m instanceof HubMessage.LinkKey k) {
              if (connection.path() instanceof TransportPath.Direct d) {
                keyAt = d.address();
                key = new PassKey(from, k.key());
                passKeys.put(keyAt, key);
              } else {
                hub.log("hub {} links over {}, not straight: no relay frames are taken from it", from,
                    connection.path());
              }
            } else {
              hub.received(from, m);
            }
          }
        } catch (HubProtocolException e) {
          malformed.increment();
          hub.log("hub {} sent a malformed message on its link, which closes: {}", from, e.getMessage());
          connection.close();
        }
      }

      @Override
      public void ended(Optional<IOException> failure) {
        inbound.remove(connection);
        if (key != null) {
          passKeys.remove(keyAt, key);
        }
        connection.close();
      }
    }));
  }

  /** Closes every link, those this hub opened and those other hubs opened to it. */
  void close() {
    setup.shutdownNow();
    links.values().forEach(Link::close);
    links.clear();
    inbound.forEach(QuicConnection::close);
    inbound.clear();
    passKeys.clear();
  }

  /** One link this hub opened: messages wait in order until it opens. */
  private final class Link {
    private final NodeId peer;
    /** The key of the relay frames this hub passes the peer while the link lives: sent first on it. */
    private final byte[] passKey = new byte[HubMessage.LinkKey.LENGTH];
    private boolean keySent;
    private final List<HubMessage> waiting = new ArrayList<>();
    private int waitingBytes;
    private QuicConnection connection;
    private PeerStream stream;
    private boolean closed;

    Link(NodeId peer) {
      this.peer = peer;
      KEYS.nextBytes(passKey);
    }

    synchronized byte[] keyIfOpen() {
      return keySent ? passKey : null;
    }

    synchronized java.util.OptionalLong bytesReceived() {
      return closed || connection == null ? java.util.OptionalLong.empty()
          : java.util.OptionalLong.of(connection.bytesReceived());
    }

    synchronized boolean usable() {
      return !closed && (connection == null || connection.isOpen());
    }

    void send(HubMessage m) {
      byte[] frame = HubCodec.encode(m);
      PeerStream s;
      synchronized (this) {
        if (closed) {
          s = null;
        } else if (stream == null) {
          if (waitingBytes + frame.length > MAX_WAITING) {
            s = null;
          } else {
            waiting.add(m);
            waitingBytes += frame.length;
            return;
          }
        } else {
          s = stream;
        }
      }
      if (s == null || !s.tryWrite(frame, MAX_WAITING)) {
        drop();
        hub.undelivered(peer, m, "hub " + peer + " does not take what this hub sends it");
      }
    }

    /**
     * The link opened: its key goes first, then what waits, in order; only then do other senders
     * write to the stream themselves (until then they add to what waits).
     */
    void opened(QuicConnection c, PeerStream s) {
      synchronized (this) {
        if (closed) {
          c.close(); // closed before it opened
          return;
        }
        connection = c;
      }
      write(s, new HubMessage.LinkKey(passKey));
      while (true) {
        List<HubMessage> backlog;
        synchronized (this) {
          if (waiting.isEmpty()) {
            stream = s;
            keySent = !closed;
            return;
          }
          backlog = new ArrayList<>(waiting);
          waiting.clear();
          waitingBytes = 0;
        }
        backlog.forEach(m -> write(s, m));
      }
    }

    /** Writes one message on the stream; one the peer does not take ends the link. */
    private void write(PeerStream s, HubMessage m) {
      if (!s.tryWrite(HubCodec.encode(m), MAX_WAITING)) {
        drop();
        hub.undelivered(peer, m, "hub " + peer + " does not take what this hub sends it");
      }
    }

    void failed(String why) {
      List<HubMessage> lost;
      synchronized (this) {
        lost = new ArrayList<>(waiting);
        waiting.clear();
        closed = true;
      }
      links.remove(peer, this);
      hub.log("{}", why);
      lost.forEach(m -> hub.undelivered(peer, m, why));
    }

    /** The link is of no use any more: the next message opens another. */
    private void drop() {
      links.remove(peer, this);
      close();
    }

    synchronized void close() {
      closed = true;
      if (connection != null) {
        connection.close();
      }
    }
  }
}
