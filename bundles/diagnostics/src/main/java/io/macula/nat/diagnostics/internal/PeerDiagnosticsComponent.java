package io.macula.nat.diagnostics.internal;

import io.macula.nat.api.NegotiationFailedException;
import io.macula.nat.api.Negotiator;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerChannel;
import io.macula.nat.api.PeerConnection;
import io.macula.nat.api.PeerStream;
import io.macula.nat.diagnostics.api.DiagnosticsException;
import io.macula.nat.diagnostics.api.PeerDiagnostics;
import io.macula.nat.peer.api.HubSession;
import io.macula.nat.peer.api.StreamService;
import io.macula.nat.transport.api.ConnectionPath;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** Pings, transfers and path moves over the node's peer connections; what peers sent this node. */
@Component
public final class PeerDiagnosticsComponent implements PeerDiagnostics {
  private static final Duration CONNECT_LIMIT = Duration.ofMinutes(5);

  private final Endpoint endpoint;
  private final Negotiator negotiator;
  private final TransferSink sink;
  private final SignalLog signalLog;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile HubSession hub;

  @Activate
  public PeerDiagnosticsComponent(
      @Reference Endpoint endpoint,
      @Reference Negotiator negotiator,
      @Reference TransferSink sink,
      @Reference SignalLog signalLog) {
    this.endpoint = endpoint;
    this.negotiator = negotiator;
    this.sink = sink;
    this.signalLog = signalLog;
  }

  @Override
  public Ping ping(NodeId peer, int probes) throws DiagnosticsException {
    if (probes < 1) {
      throw new IllegalArgumentException("at least one probe, not " + probes);
    }
    PeerChannel c = channel(peer);
    List<Duration> rtts = new ArrayList<>();
    try (PeerStream s = c.openStream()) {
      StreamService.open(s, EchoService.NAME);
      DataInputStream in = new DataInputStream(s.input());
      OutputStream o = s.output();
      byte[] probe = new byte[8];
      for (int i = 0; i < probes; i++) {
        long sent = System.nanoTime();
        ByteBuffer.wrap(probe).putLong(sent);
        o.write(probe);
        o.flush();
        if (in.readLong() != sent) {
          throw new DiagnosticsException("the echo answered another probe");
        }
        rtts.add(Duration.ofNanos(System.nanoTime() - sent));
      }
      o.close();
    } catch (IOException e) {
      throw new DiagnosticsException("the echo stream broke: " + e.getMessage(), e);
    }
    return new Ping(rtts, describe(c));
  }

  @Override
  public Transfer send(NodeId peer, int megabytes) throws DiagnosticsException {
    if (megabytes < 1) {
      throw new IllegalArgumentException("at least one megabyte, not " + megabytes);
    }
    PeerChannel c = channel(peer);
    MessageDigest sha = TransferSink.sha256();
    long bytes = (long) megabytes << 20;
    Instant at = Instant.now();
    long start = System.nanoTime();
    long theirBytes;
    String theirs;
    try (PeerStream s = c.openStream()) {
      StreamService.open(s, TransferSink.NAME);
      OutputStream out = s.output();
      byte[] chunk = new byte[64 << 10];
      Random random = new Random(start);
      for (long sent = 0; sent < bytes; sent += chunk.length) {
        random.nextBytes(chunk);
        sha.update(chunk);
        out.write(chunk);
      }
      out.close();
      DataInputStream in = new DataInputStream(s.input());
      theirBytes = in.readLong();
      theirs = in.readUTF();
    } catch (IOException e) {
      throw new DiagnosticsException("the transfer broke: " + e.getMessage(), e);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    String ours = HexFormat.of().formatHex(sha.digest());
    if (theirBytes != bytes || !ours.equals(theirs)) {
      throw new DiagnosticsException("the peer received " + theirBytes + " bytes with SHA-256 " + theirs
          + "; sent " + bytes + " with " + ours);
    }
    return new Transfer(peer, at, bytes, ours, took, describe(c));
  }

  @Override
  public List<Transfer> received() {
    return sink.received();
  }

  @Override
  public List<Signal> signals() {
    return signalLog.signals();
  }

  @Override
  public String movePath(NodeId peer, PathKind kind) throws DiagnosticsException {
    QuicConnection c = endpoint.connection(peer, Endpoint.PEER_PROTOCOL).orElseThrow(
        () -> new DiagnosticsException("no connection to " + peer.shortForm() + "; nat:connect first"));
    HubSession h = hub;
    TransportPath to = switch (kind) {
      case HUB_RELAY -> {
        Optional<java.net.InetSocketAddress> relay = h == null ? Optional.empty() : h.relayAddress();
        yield new TransportPath.Relayed(relay.orElseThrow(
            () -> new DiagnosticsException("no session with a hub to relay through")), peer, PathKind.HUB_RELAY);
      }
      case DIRECT -> {
        if (h == null) {
          throw new DiagnosticsException("no hub to learn the node's address from");
        }
        NodeDescriptor d = h.nodes().stream().filter(n -> n.id().equals(peer)).findFirst()
            .orElseThrow(() -> new DiagnosticsException(peer.shortForm() + " is not registered with the hub"));
        yield new TransportPath.Direct(d.observedAddress()
            .orElseThrow(() -> new DiagnosticsException("the hub knows no address of " + peer.shortForm())));
      }
      default -> throw new IllegalArgumentException("a path can be moved to direct or hub-relay, not " + kind.label());
    };
    c.pinPath(to); // an operator's choice: no upgrade moves it
    return to.kind().label() + " path via " + via(to);
  }

  /**
   * The connection the latest connect to the node made, or one the node opened to this one, or a
   * new one that a connect negotiates now.
   */
  private PeerChannel channel(NodeId node) throws DiagnosticsException {
    Optional<PeerChannel> open = negotiator.connection(node).map(c -> (PeerChannel) c)
        .or(() -> endpoint.connection(node, Endpoint.PEER_PROTOCOL));
    if (open.isPresent()) {
      return open.get();
    }
    try {
      return negotiator.connect(node).get(CONNECT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new DiagnosticsException(cause instanceof NegotiationFailedException ? cause.getMessage()
          : "the connect failed: " + cause, cause);
    } catch (TimeoutException e) {
      throw new DiagnosticsException("no connection to " + node.shortForm() + " within " + CONNECT_LIMIT.toMinutes() + " min");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DiagnosticsException("interrupted");
    }
  }

  private static String describe(PeerChannel c) {
    if (c instanceof PeerConnection pc && pc.path() instanceof ConnectionPath cp) {
      c = cp.connection();
    }
    return c instanceof QuicConnection q
        ? "connection #" + q.id() + ", " + q.path().kind().label() + " path via " + via(q.path())
        : "the connection";
  }

  /** Where a path's packets go next: the relay, or the peer's address. */
  static String via(TransportPath p) {
    if (p instanceof TransportPath.Carried c) {
      return c.carrier().describe() + " to " + c.peer();
    }
    return p instanceof TransportPath.Relayed r ? "relay " + r.relay() : String.valueOf(p.nextHop());
  }
}
