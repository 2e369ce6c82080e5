package io.macula.nat.peer.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import io.macula.nat.hub.protocol.HubCodec;
import io.macula.nat.hub.protocol.HubMessage;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.osgi.service.log.Logger;

/**
 * A connection to a fallback hub, kept ready: the node stands by there while it is homed at
 * another hub, so that when its hub fails it registers on a connection that is up already. Every
 * node of a failed hub moves at once; none of them then waits for a handshake, which a hub can
 * make only so many of a second. The hub it stands by at also tells it when a hub leaves the
 * mesh's directory, sooner than its own keep-alives may notice.
 */
final class StandbyHub implements AutoCloseable {
  /** A standby's keep-alives come this many times less often than the home session's: it carries nothing else. */
  static final int KEEPALIVE_FACTOR = 5;
  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration MAX_RETRY = Duration.ofSeconds(30);
  /** How long the hub a standby goes to has to answer the handshake. */
  static final Duration CONNECT_WITHIN = Duration.ofSeconds(5);
  private static final int MAX_WAITING = 1 << 16;

  /** A session that stands by at {@code hub}, ready to register on. */
  record Standing(HubAddress hub, QuicConnection connection, PeerStream stream, HubInbox inbox, Heard heard) {}

  private final Endpoint endpoint;
  private final Consumer<NodeId> hubGone;
  private final Logger log;
  private final Duration keepalive;
  private final int misses;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nat-hub-standby");
        t.setDaemon(true);
        return t;
      });

  // Guarded by this.
  private List<HubAddress> candidates = List.of();
  private int nextCandidate;
  private Standing standing;
  private boolean connecting;
  private ScheduledFuture<?> retry;
  private Duration retryAfter = FIRST_RETRY;
  private boolean closed;

  /**
   * @param hubGone told the hubs the standby's hub says left the mesh, on a thread that may wait
   * @param keepalive the home session's keep-alive interval; a standby's is {@link #KEEPALIVE_FACTOR} times that
   * @param misses intervals of silence after which the standby is taken for lost
   */
  StandbyHub(Endpoint endpoint, Consumer<NodeId> hubGone, Logger log, Duration keepalive, int misses) {
    this.endpoint = endpoint;
    this.hubGone = hubGone;
    this.log = log;
    this.keepalive = keepalive.multipliedBy(KEEPALIVE_FACTOR);
    this.misses = misses;
    executor.scheduleAtFixedRate(this::keepAlive, this.keepalive.toMillis(), this.keepalive.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Stands by at the first of {@code fallbacks} that answers (none, when empty); a standby at one
   * of them already stays where it is.
   */
  synchronized void keep(List<HubAddress> fallbacks) {
    candidates = List.copyOf(fallbacks);
    if (standing != null && candidates.stream().anyMatch(h -> h.id().equals(standing.hub().id()))) {
      return;
    }
    drop();
    nextCandidate = 0;
    retryAfter = FIRST_RETRY;
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
    attemptLater(Duration.ZERO);
  }

  /** The hub the node stands by at now, if a standby is up. */
  synchronized Optional<NodeId> hub() {
    return standing == null ? Optional.empty() : Optional.of(standing.hub().id());
  }

  /**
   * The standby, handed over to register on (its messages wait for the session's thread from now
   * on); empty when none is up. The next one waits for {@link #keep}.
   */
  synchronized Optional<Standing> take() {
    Standing s = standing;
    standing = null;
    if (s == null || !s.connection().isOpen()) {
      return Optional.empty();
    }
    s.inbox().handOver();
    return Optional.of(s);
  }

  private void attemptLater(Duration after) {
    if (closed || connecting || retry != null || candidates.isEmpty()) {
      return;
    }
    try {
      retry = executor.schedule(this::attempt, after.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  /** Connects to the next candidate and stands by there; on the standby's own thread. */
  private void attempt() {
    HubAddress target;
    synchronized (this) {
      retry = null;
      if (closed || standing != null || candidates.isEmpty()) {
        return;
      }
      target = candidates.get(nextCandidate++ % candidates.size());
      connecting = true;
    }
    Standing s = null;
    try {
      var pending = endpoint.connect(target.id(), new TransportPath.Direct(target.address()), Endpoint.HUB_PROTOCOL);
      QuicConnection c;
      try {
        c = pending.get(CONNECT_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        pending.cancel(true); // a connection that comes up later is not left open
        throw e;
      }
      PeerStream stream = c.openStream();
      Standing[] self = new Standing[1];
      HubInbox inbox = new HubInbox(m -> standbyMessage(self[0], m), () -> lost(self[0], "its stream ended"));
      s = new Standing(target, c, stream, inbox, new Heard(c));
      self[0] = s;
      stream.receive(inbox);
      if (!stream.tryWrite(HubCodec.encode(new HubMessage.Standby()), MAX_WAITING)) {
        throw new java.io.IOException("the stream closed at once");
      }
    } catch (Exception e) {
      log.debug("cannot stand by at hub {} at {}: {}", target.id().shortForm(), target.address(), e.toString());
      if (s != null) {
        s.connection().close();
      }
      s = null;
    }
    synchronized (this) {
      connecting = false;
      // Open still: a hub that refused at once ended it before it could count as lost.
      if (s != null && !closed && s.connection().isOpen()
          && candidates.stream().anyMatch(h -> h.id().equals(target.id()))) {
        standing = s;
        log.info("standing by at hub {} at {}", target.id().shortForm(), target.address());
        return;
      }
      if (s != null) {
        s.connection().close(); // no longer a fallback, or closed meanwhile
      }
      Duration after = retryAfter;
      retryAfter = retryAfter.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retryAfter.multipliedBy(2);
      attemptLater(after);
    }
  }

  /** A message on a session that stands by: on the transport's thread, which must not wait. */
  private void standbyMessage(Standing s, HubMessage m) {
    if (m instanceof HubMessage.Pong) {
      synchronized (this) {
        retryAfter = FIRST_RETRY; // the hub takes standbys: a later loss retries soon
      }
    } else if (m instanceof HubMessage.Ping p) {
      s.stream().tryWrite(HubCodec.encode(new HubMessage.Pong(p.nonce())), MAX_WAITING);
    } else if (m instanceof HubMessage.HubGone g) {
      log.info("hub {} says hub {} left the mesh", s.hub().id().shortForm(), g.hub().shortForm());
      executor.execute(() -> hubGone.accept(g.hub()));
    } else if (m instanceof HubMessage.Refused r) {
      log.info("hub {} refused a standby: {}", s.hub().id().shortForm(), r.reason());
    }
  }

  /** The standby ended before it was taken: another one, after the retry interval. */
  private void lost(Standing s, String why) {
    synchronized (this) {
      if (s == null || standing != s) {
        return; // taken, or replaced
      }
      standing = null;
      log.info("the standby at hub {} is lost: {}", s.hub().id().shortForm(), why);
      attemptLater(retryAfter);
    }
    s.connection().close();
  }

  private void keepAlive() {
    Standing s;
    synchronized (this) {
      s = standing;
    }
    if (s == null) {
      return;
    }
    if (s.heard().silence() > keepalive.toNanos() * misses) {
      lost(s, "silent for " + keepalive.multipliedBy(misses).toMillis() + " ms");
      return;
    }
    // Its QUIC's acknowledgement is answer enough: a standby carries nothing the hub must answer.
    s.connection().keepAlive();
  }

  /** Ends the standby there is, if any; guarded by this. */
  private void drop() {
    Standing s = standing;
    standing = null; // first: its end, heard as it closes, is not taken for a loss
    if (s != null) {
      s.connection().close();
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      drop();
    }
    executor.shutdownNow();
  }
}
