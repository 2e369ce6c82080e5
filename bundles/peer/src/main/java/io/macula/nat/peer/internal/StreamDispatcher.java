package io.macula.nat.peer.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerAdmission;
import io.macula.nat.api.PeerStream;
import io.macula.nat.peer.api.StreamService;
import io.macula.nat.transport.api.ConnectionAcceptor;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Takes the node's peer-to-peer connections, both ways, from peers its hub vouches for (see {@link
 * PeerAdmission}), and hands each stream a peer opens to the
 * stream service its header names. A stream to a service nobody serves is closed, and so is one
 * whose header does not arrive within {@link #HEADER_DEADLINE}. Streams are served on a bounded
 * pool, and each peer gets at most {@link #MAX_PER_PEER} of its threads: a peer that opens streams
 * and never writes cannot pin a thread per stream.
 */
@Component(property = ConnectionAcceptor.PROTOCOL + "=" + Endpoint.PEER_PROTOCOL)
public final class StreamDispatcher implements ConnectionAcceptor {
  static final int MAX_WORKERS = 64;
  static final int MAX_PER_PEER = 16;
  static final Duration HEADER_DEADLINE = Duration.ofSeconds(5);

  private final Map<String, StreamService> services = new ConcurrentHashMap<>();
  private final Map<NodeId, Integer> busy = new ConcurrentHashMap<>();
  private final LongAdder refused = new LongAdder();
  private final LongAdder notAdmitted = new LongAdder();
  private final List<PeerAdmission> admissions = new CopyOnWriteArrayList<>();
  private final Duration headerDeadline;
  private final ThreadPoolExecutor workers = new ThreadPoolExecutor(
      0, MAX_WORKERS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), daemon("nat-stream-service"));
  private final ScheduledExecutorService deadlines =
      Executors.newSingleThreadScheduledExecutor(daemon("nat-stream-deadline"));

  public StreamDispatcher() {
    this(HEADER_DEADLINE);
  }

  StreamDispatcher(Duration headerDeadline) {
    this.headerDeadline = headerDeadline;
  }

  @Deactivate
  void deactivate() {
    workers.shutdownNow();
    deadlines.shutdownNow();
  }

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void addService(StreamService s, Map<String, Object> props) {
    if (props.get(StreamService.NAME) instanceof String name) {
      services.put(name, s);
    }
  }

  void removeService(StreamService s) {
    services.values().remove(s);
  }

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void addAdmission(PeerAdmission a) {
    admissions.add(a);
  }

  void removeAdmission(PeerAdmission a) {
    admissions.remove(a);
  }

  /** A peer is admitted when its hub (or, on a hub, the hub itself) vouches for it; else refused. */
  @Override
  public CompletionStage<Boolean> admission(NodeId peer) {
    List<PeerAdmission> all = List.copyOf(admissions);
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    AtomicInteger undecided = new AtomicInteger(all.size());
    for (PeerAdmission a : all) {
      CompletionStage<Boolean> vouch;
      try {
        vouch = a.vouchesFor(peer);
      } catch (RuntimeException e) {
        vouch = CompletableFuture.completedFuture(false);
      }
      vouch.whenComplete((yes, failed) -> {
        if (failed == null && Boolean.TRUE.equals(yes)) {
          answer.complete(true);
        } else if (undecided.decrementAndGet() == 0) {
          answer.complete(false);
        }
      });
    }
    if (all.isEmpty()) {
      answer.complete(false);
    }
    return answer.whenComplete((yes, failed) -> {
      if (!Boolean.TRUE.equals(yes)) {
        notAdmitted.increment();
      }
    });
  }

  /** Peers refused since start: nobody vouched for them. */
  long notAdmitted() {
    return notAdmitted.sum();
  }

  @Override
  public void accepted(QuicConnection connection) {
    connection.onStream(stream -> serve(connection.peer(), stream));
  }

  /** Streams refused since start: over the peer's share or the pool's size. */
  long refused() {
    return refused.sum();
  }

  /** Threads serving streams now. */
  int serving() {
    return workers.getActiveCount();
  }

  private void serve(NodeId peer, PeerStream stream) {
    if (busy.merge(peer, 1, Integer::sum) > MAX_PER_PEER) {
      done(peer);
      refuse(stream);
      return;
    }
    try {
      workers.execute(() -> {
        try {
          dispatch(peer, stream);
        } finally {
          done(peer);
        }
      });
    } catch (RejectedExecutionException e) {
      done(peer);
      refuse(stream);
    }
  }

  private void done(NodeId peer) {
    busy.computeIfPresent(peer, (p, n) -> n <= 1 ? null : n - 1);
  }

  private void refuse(PeerStream stream) {
    refused.increment();
    stream.close();
  }

  private void dispatch(NodeId peer, PeerStream stream) {
    ScheduledFuture<?> deadline = deadlines.schedule(stream::close, headerDeadline.toMillis(), TimeUnit.MILLISECONDS);
    try {
      InputStream in = stream.input();
      int length = in.read();
      if (length <= 0) {
        stream.close();
        return;
      }
      byte[] name = in.readNBytes(length);
      if (!deadline.cancel(false)) {
        return; // closed: the header came too late
      }
      StreamService service = services.get(new String(name, StandardCharsets.UTF_8));
      if (service == null || name.length != length) {
        stream.close();
        return;
      }
      service.serve(peer, stream);
    } catch (IOException | RuntimeException e) {
      stream.close();
    } finally {
      deadline.cancel(false);
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
