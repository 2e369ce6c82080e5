package io.macula.nat.shell.internal;

import io.macula.nat.api.AttemptOutcome;
import io.macula.nat.api.AttemptRecord;
import io.macula.nat.api.NegotiationFailedException;
import io.macula.nat.api.Negotiator;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerChannel;
import io.macula.nat.api.PeerStream;
import io.macula.nat.peer.api.HubSession;
import io.macula.nat.peer.api.StreamService;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** Commands about this node's peers: who is there, the paths to them, and data across them. */
@Component(service = PeerCommands.class)
@GogoCommand(scope = "nat", function = {"id", "peers", "paths", "ping", "send", "received", "drops", "path", "dial", "signal", "signals"})
public final class PeerCommands {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private final Endpoint endpoint;
  private final Negotiator negotiator;
  private final TransferSink sink;
  private final SignalLog signalLog;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile HubSession hub;

  @Activate
  public PeerCommands(
      @Reference Endpoint endpoint,
      @Reference Negotiator negotiator,
      @Reference TransferSink sink,
      @Reference SignalLog signalLog) {
    this.endpoint = endpoint;
    this.negotiator = negotiator;
    this.sink = sink;
    this.signalLog = signalLog;
  }

  @Descriptor("send a text message to a node through the hub's signalling")
  public String signal(@Descriptor("the node's id") String node, @Descriptor("the message") String text) {
    HubSession h = hub;
    if (h == null || !h.isConnected()) {
      throw new IllegalStateException("no session with a hub");
    }
    byte[] payload = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (payload.length > io.macula.nat.hub.protocol.HubCodec.MAX_SIGNAL) {
      throw new IllegalArgumentException("a signal carries at most "
          + io.macula.nat.hub.protocol.HubCodec.MAX_SIGNAL + " bytes, not " + payload.length);
    }
    h.signal(Arguments.node(node), payload);
    return "signalled " + node + "\n";
  }

  @Descriptor("list the signals other nodes sent this one, newest first, with the sender the hub named")
  public String signals() {
    var all = signalLog.signals();
    if (all.isEmpty()) {
      return "no signals received\n";
    }
    Table t = new Table("AT", "FROM", "MESSAGE");
    all.forEach(s -> t.row(TIME.format(s.at()), s.from(), s.text()));
    return t.toString();
  }

  @Descriptor("print this node's id and the address of its socket")
  public String id() {
    HubSession h = hub;
    return endpoint.localId() + " " + endpoint.localAddress()
        + (h == null ? "" : " hub " + (h.isConnected() ? "up" : "down") + " "
            + h.observedAddress().map(a -> "observed " + a).orElse("")) + "\n";
  }

  @Descriptor("list the nodes the hub knows")
  public String peers() {
    HubSession h = hub;
    if (h == null) {
      throw new IllegalStateException("this node has no hub configured");
    }
    if (!h.isConnected()) {
      throw new IllegalStateException("no session with the hub at " + h.hubAddress());
    }
    Table t = new Table("NODE", "OBSERVED", "REPORTED", "RELAY", "SELF");
    for (NodeDescriptor d : h.nodes()) {
      t.row(d.id(), d.observedAddress().map(String::valueOf).orElse("-"),
          d.reportedAddresses().isEmpty() ? "-" : d.reportedAddresses().toString().replace(" ", ""),
          d.offersRelay() ? "yes" : "no", d.id().equals(endpoint.localId()) ? "*" : "");
    }
    return t.toString();
  }

  @Descriptor("list the connections to peers: path, round-trip time and bytes each way")
  public String paths() {
    List<QuicConnection> all = new ArrayList<>(endpoint.connections());
    all.removeIf(c -> !c.protocol().equals(Endpoint.PEER_PROTOCOL) || !c.isOpen());
    if (all.isEmpty()) {
      return "no connections to peers\n";
    }
    // Connections to one peer share its path: one row a peer.
    Map<NodeId, List<QuicConnection>> byPeer = new java.util.LinkedHashMap<>();
    all.forEach(c -> byPeer.computeIfAbsent(c.peer(), p -> new ArrayList<>()).add(c));
    Table t = new Table("PEER", "CONNECTIONS", "STRATEGY", "PATH", "VIA", "RTT_MS", "SENT", "RECEIVED");
    byPeer.forEach((peer, cs) -> {
      QuicConnection c = cs.get(0);
      t.row(peer.shortForm(),
          cs.stream().map(x -> "#" + x.id()).collect(java.util.stream.Collectors.joining(",")),
          strategyOf(peer), c.path().kind().label(), via(c.path()),
          c.roundTripTime().map(d -> String.format("%.2f", d.toNanos() / 1e6)).orElse("-"),
          c.bytesSent(), c.bytesReceived());
    });
    return t.toString();
  }

  @Descriptor("measure round-trip times to a node over the current path")
  public String ping(@Descriptor("the node's id") String node) throws Exception {
    return ping(node, "5");
  }

  @Descriptor("measure round-trip times to a node over the current path")
  public String ping(@Descriptor("the node's id") String node, @Descriptor("how many probes") String count)
      throws Exception {
    int n = Arguments.integer("count", count, 1, 10_000);
    PeerChannel c = channel(Arguments.node(node));
    List<Double> rtts = new ArrayList<>();
    StringBuilder out = new StringBuilder();
    try (PeerStream s = c.openStream()) {
      StreamService.open(s, EchoService.NAME);
      DataInputStream in = new DataInputStream(s.input());
      OutputStream o = s.output();
      byte[] probe = new byte[8];
      for (int i = 1; i <= n; i++) {
        long sent = System.nanoTime();
        java.nio.ByteBuffer.wrap(probe).putLong(sent);
        o.write(probe);
        o.flush();
        if (in.readLong() != sent) {
          throw new IllegalStateException("the echo answered another probe");
        }
        double ms = (System.nanoTime() - sent) / 1e6;
        rtts.add(ms);
        out.append(String.format("seq=%d rtt=%.3f ms%n", i, ms));
      }
      o.close();
    }
    Collections.sort(rtts);
    out.append(String.format("%d probes over %s: min %.3f ms, median %.3f ms, max %.3f ms%n", n,
        describe(c), rtts.get(0), rtts.get(rtts.size() / 2), rtts.get(rtts.size() - 1)));
    return out.toString();
  }

  @Descriptor("send MB megabytes of random data to a node; its answer proves what arrived")
  public String send(@Descriptor("the node's id") String node, @Descriptor("megabytes") String megabytes)
      throws Exception {
    int mb = Arguments.integer("megabytes", megabytes, 1, 100_000);
    PeerChannel c = channel(Arguments.node(node));
    MessageDigest sha = TransferSink.sha256();
    long bytes = (long) mb << 20;
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
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    String ours = HexFormat.of().formatHex(sha.digest());
    if (theirBytes != bytes || !ours.equals(theirs)) {
      throw new IllegalStateException("the peer received " + theirBytes + " bytes with SHA-256 " + theirs
          + "; sent " + bytes + " with " + ours);
    }
    return String.format("sent %d MB over %s in %.2f s: %.1f MB/s; sha256 %s matches%n",
        mb, describe(c), seconds, mb / seconds, ours);
  }

  @Descriptor("list the transfers other nodes sent this one, newest first")
  public String received() {
    List<TransferSink.Received> all = sink.received();
    if (all.isEmpty()) {
      return "nothing received\n";
    }
    Table t = new Table("AT", "FROM", "BYTES", "SHA256", "MS");
    for (TransferSink.Received r : all) {
      t.row(TIME.format(r.at()), r.from().shortForm(), r.bytes(), r.sha256(), r.took().toMillis());
    }
    return t.toString();
  }

  @Descriptor("list the datagrams this node's socket dropped, by reason")
  public String drops() {
    var all = endpoint.drops();
    if (all.isEmpty()) {
      return "no datagrams dropped\n";
    }
    Table t = new Table("REASON", "DATAGRAMS");
    all.forEach(t::row);
    return t.toString();
  }

  @Descriptor("move the live connection to a node onto another path: direct or relay")
  public String path(@Descriptor("the node's id") String node, @Descriptor("direct or relay") String kind)
      throws Exception {
    NodeId id = Arguments.node(node);
    QuicConnection c = endpoint.connection(id, Endpoint.PEER_PROTOCOL)
        .orElseThrow(() -> new IllegalStateException("no connection to " + id.shortForm() + "; nat:connect first"));
    HubSession h = hub;
    TransportPath to = switch (kind) {
      case "relay" -> {
        if (h == null || !h.isConnected()) {
          throw new IllegalStateException("no session with a hub to relay through");
        }
        yield new TransportPath.Relayed(h.hubAddress(), id, io.macula.nat.api.PathKind.HUB_RELAY);
      }
      case "direct" -> {
        if (h == null) {
          throw new IllegalStateException("no hub to learn the node's address from");
        }
        NodeDescriptor d = h.nodes().stream().filter(n -> n.id().equals(id)).findFirst()
            .orElseThrow(() -> new IllegalStateException(id.shortForm() + " is not registered with the hub"));
        yield new TransportPath.Direct(d.observedAddress()
            .orElseThrow(() -> new IllegalStateException("the hub knows no address of " + id.shortForm())));
      }
      default -> throw new IllegalArgumentException("the path is 'direct' or 'relay', not '" + kind + "'");
    };
    c.switchPath(to);
    return "connection to " + id.shortForm() + " now on the " + to.kind().label() + " path via " + via(to) + "\n";
  }

  @Descriptor("connect to a node at an address, without negotiating: the node must prove its id")
  public String dial(@Descriptor("the node's id") String node, @Descriptor("host:port") String address)
      throws Exception {
    NodeId id = Arguments.node(node);
    java.net.InetSocketAddress to = Arguments.address("address", address);
    try {
      QuicConnection c = endpoint.connect(id, new TransportPath.Direct(to), Endpoint.PEER_PROTOCOL)
          .get(10, TimeUnit.SECONDS);
      return "connected to " + c.peer() + " at " + to + "\n";
    } catch (ExecutionException e) {
      throw new IllegalStateException("refused: " + e.getCause().getMessage());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("no answer from " + to + " within 10 s");
    }
  }

  /**
   * The connection the latest connect to the node made, or one the node opened to this one, or a
   * new one that a connect negotiates now.
   */
  private PeerChannel channel(NodeId node) throws Exception {
    Optional<PeerChannel> open = negotiator.connection(node).map(c -> (PeerChannel) c)
        .or(() -> endpoint.connection(node, Endpoint.PEER_PROTOCOL));
    if (open.isPresent()) {
      return open.get();
    }
    try {
      return negotiator.connect(node).get(5, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof NegotiationFailedException f) {
        throw new IllegalStateException(f.getMessage());
      }
      throw e;
    }
  }

  private static String describe(PeerChannel c) {
    if (c instanceof io.macula.nat.api.PeerConnection pc
        && pc.path() instanceof io.macula.nat.transport.api.ConnectionPath cp) {
      c = cp.connection();
    }
    return c instanceof QuicConnection q
        ? "connection #" + q.id() + ", " + q.path().kind().label() + " path via " + via(q.path())
        : "the connection";
  }

  private static String via(TransportPath p) {
    return p instanceof TransportPath.Relayed r ? "relay " + r.relay() : String.valueOf(p.nextHop());
  }

  private String strategyOf(NodeId peer) {
    return negotiator.attempts(peer).stream()
        .filter(r -> r.outcome() == AttemptOutcome.SUCCEEDED)
        .map(AttemptRecord::strategy)
        .findFirst()
        .orElse("inbound");
  }

}
