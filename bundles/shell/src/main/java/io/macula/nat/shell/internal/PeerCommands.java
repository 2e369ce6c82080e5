package io.macula.nat.shell.internal;

import io.macula.nat.api.AttemptOutcome;
import io.macula.nat.api.AttemptRecord;
import io.macula.nat.api.Negotiator;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.Signalling;
import io.macula.nat.api.command.OperatorCommands;
import io.macula.nat.diagnostics.api.PeerDiagnostics;
import io.macula.nat.peer.api.HubSession;
import io.macula.nat.transport.api.AlternativePath;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** Commands about this node's peers: who is there, the paths to them, and data across them. */
@Component(service = PeerCommands.class)
@OperatorCommands(scope = "nat", function = {"id", "peers", "paths", "moves", "ping", "send", "received", "drops", "tables", "path", "dial", "signal",
    "signals"})
public final class PeerCommands {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private final Lazy<Endpoint> endpoint;
  private final Lazy<Negotiator> negotiator;
  private final Lazy<PeerDiagnostics> diagnostics;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile HubSession hub;

  @Activate
  public PeerCommands(
      @Reference(service = Endpoint.class) ComponentServiceObjects<Endpoint> endpoint,
      @Reference(service = Negotiator.class) ComponentServiceObjects<Negotiator> negotiator,
      @Reference(service = PeerDiagnostics.class) ComponentServiceObjects<PeerDiagnostics> diagnostics) {
    this.endpoint = new Lazy<>(endpoint, "the endpoint");
    this.negotiator = new Lazy<>(negotiator, "the negotiator");
    this.diagnostics = new Lazy<>(diagnostics, "the diagnostics");
  }

  @Deactivate
  void deactivate() {
    endpoint.release();
    negotiator.release();
    diagnostics.release();
  }

  @Descriptor("send a text message to a node through the hub's signalling")
  public void signal(@Descriptor(OperatorCommands.NODE) String node, @Descriptor("the message") String text) {
    Signalling h = hub;
    if (h == null || !h.isConnected()) {
      throw new IllegalStateException("no session with a hub");
    }
    h.signal(Arguments.node(node), text.getBytes(StandardCharsets.UTF_8));
    System.out.print("signalled " + node + "\n");
  }

  @Descriptor("list the signals other nodes sent this one, newest first, with the sender the hub named")
  public void signals() {
    var all = diagnostics.get().signals();
    if (all.isEmpty()) {
      System.out.print("no signals received\n");
      return;
    }
    Table t = new Table("AT", "FROM", "MESSAGE");
    all.forEach(s -> t.row(TIME.format(s.at()), s.from(), new String(s.payload(), StandardCharsets.UTF_8)));
    System.out.print(t);
  }

  @Descriptor("print this node's id and the address of its socket")
  public void id() {
    HubSession h = hub;
    System.out.print(endpoint.get().localId() + " " + endpoint.get().localAddress()
        + (h == null ? "" : " hub " + (h.isConnected() ? "up" : "down") + " "
            + h.observedAddress().map(a -> "observed " + a + " ").orElse("") + "over " + h.transport()
            + "; home hub " + h.hubId().shortForm() + ", fallbacks "
            + (h.fallbackHubs().isEmpty() ? "none" : String.join(",", h.fallbackHubs().stream().map(NodeId::shortForm).toList()))
            + h.standbyHub().map(s -> ", standing by at " + s.shortForm()).orElse(""))
        + "\n");
  }

  @Descriptor("list the nodes the hub knows")
  public void peers() {
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
          d.offersRelay() ? "yes" : "no", d.id().equals(endpoint.get().localId()) ? "*" : "");
    }
    System.out.print(t);
  }

  @Descriptor("list the connections to peers: path, round-trip time and bytes each way, and the other paths each knows")
  public void paths() {
    List<QuicConnection> all = new ArrayList<>(endpoint.get().connections());
    all.removeIf(c -> !c.protocol().equals(Endpoint.PEER_PROTOCOL) || !c.isOpen());
    if (all.isEmpty()) {
      System.out.print("no connections to peers\n");
      return;
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
    StringBuilder out = new StringBuilder(t.toString());
    byPeer.forEach((peer, cs) -> cs.get(0).alternatives().forEach(a -> out.append(alternative(peer, a))));
    System.out.print(out);
  }

  /** One line for a path the peer's route left and still probes: whether, when and how fast it answered. */
  private static String alternative(NodeId peer, AlternativePath a) {
    String state = a.answeredAgo().isEmpty() ? "no answer since it was left"
        : String.format("answered %.1f s ago, rtt %.2f ms", a.answeredAgo().get().toMillis() / 1e3,
            a.roundTrip().orElseThrow().toNanos() / 1e6);
    return String.format("alternative of %s: %s path via %s, %s%n", peer.shortForm(), a.path().kind().label(),
        via(a.path()), state);
  }

  @Descriptor("list the latest moves of each peer's path, and why: connect, upgrade, fallback, operator")
  public void moves() {
    Table t = MovesTable.of(endpoint.get(), peer -> true);
    System.out.print(t.isEmpty() ? "no path has moved\n" : t);
  }

  @Descriptor("measure round-trip times to a node over the current path")
  public void ping(@Descriptor(OperatorCommands.NODE) String node) throws Exception {
    ping(node, "5");
  }

  @Descriptor("measure round-trip times to a node over the current path")
  public void ping(@Descriptor(OperatorCommands.NODE) String node, @Descriptor("how many probes") String count)
      throws Exception {
    int n = Arguments.integer("count", count, 1, 10_000);
    PeerDiagnostics.Ping ping = diagnostics.get().ping(Arguments.node(node), n);
    StringBuilder out = new StringBuilder();
    List<Double> ms = new ArrayList<>();
    for (Duration rtt : ping.roundTrips()) {
      ms.add(rtt.toNanos() / 1e6);
      out.append(String.format("seq=%d rtt=%.3f ms%n", ms.size(), ms.get(ms.size() - 1)));
    }
    ms.sort(null);
    out.append(String.format("%d probes over %s: min %.3f ms, median %.3f ms, max %.3f ms%n", n,
        ping.over(), ms.get(0), ms.get(ms.size() / 2), ms.get(ms.size() - 1)));
    System.out.print(out);
  }

  @Descriptor("send MB megabytes of random data to a node; its answer proves what arrived")
  public void send(@Descriptor(OperatorCommands.NODE) String node, @Descriptor("megabytes") String megabytes)
      throws Exception {
    int mb = Arguments.integer("megabytes", megabytes, 1, 100_000);
    PeerDiagnostics.Transfer t = diagnostics.get().send(Arguments.node(node), mb);
    double seconds = t.took().toNanos() / 1e9;
    System.out.print(String.format("sent %d MB over %s in %.2f s: %.1f MB/s; sha256 %s matches%n",
        mb, t.over(), seconds, mb / seconds, t.sha256()));
  }

  @Descriptor("list the transfers other nodes sent this one, newest first")
  public void received() {
    List<PeerDiagnostics.Transfer> all = diagnostics.get().received();
    if (all.isEmpty()) {
      System.out.print("nothing received\n");
      return;
    }
    Table t = new Table("AT", "FROM", "BYTES", "SHA256", "MS");
    for (PeerDiagnostics.Transfer r : all) {
      t.row(TIME.format(r.at()), r.peer().shortForm(), r.bytes(), r.sha256(), r.took().toMillis());
    }
    System.out.print(t);
  }

  @Descriptor("list the datagrams this node's socket dropped, by reason")
  public void drops() {
    var all = endpoint.get().drops();
    if (all.isEmpty()) {
      System.out.print("nothing dropped\n");
      return;
    }
    Table t = new Table("REASON", "DROPPED");
    all.forEach(t::row);
    System.out.print(t);
  }

  @Descriptor("print the size of each of the endpoint's tables: routes, unconfirmed routes, connections")
  public void tables() {
    Table t = new Table("TABLE", "ENTRIES");
    endpoint.get().tables().forEach(t::row);
    System.out.print(t);
  }

  @Descriptor("move the live connection to a node onto another path: direct or relay")
  public void path(@Descriptor(OperatorCommands.NODE) String node, @Descriptor("direct or relay") String kind)
      throws Exception {
    NodeId id = Arguments.node(node);
    PathKind to = switch (kind) {
      case "relay" -> PathKind.HUB_RELAY;
      case "direct" -> PathKind.DIRECT;
      default -> throw new IllegalArgumentException("the path is 'direct' or 'relay', not '" + kind + "'");
    };
    System.out.print("connection to " + id.shortForm() + " now on the " + diagnostics.get().movePath(id, to) + "\n");
  }

  @Descriptor("connect to a node at an address, without negotiating: the node must prove its id")
  public void dial(@Descriptor(OperatorCommands.NODE) String node, @Descriptor("host:port") String address)
      throws Exception {
    NodeId id = Arguments.node(node);
    java.net.InetSocketAddress to = Arguments.address("address", address);
    try {
      QuicConnection c = endpoint.get().connect(id, new TransportPath.Direct(to), Endpoint.PEER_PROTOCOL)
          .get(10, TimeUnit.SECONDS);
      System.out.print("connected to " + c.peer() + " at " + to + "\n");
      return;
    } catch (ExecutionException e) {
      throw new IllegalStateException("refused: " + e.getCause().getMessage());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("no answer from " + to + " within 10 s");
    }
  }

  private static String via(TransportPath p) {
    if (p instanceof TransportPath.Carried c) {
      return c.carrier().describe() + " to " + c.peer();
    }
    return p instanceof TransportPath.Relayed r ? "relay " + r.relay() : String.valueOf(p.nextHop());
  }

  private String strategyOf(NodeId peer) {
    return negotiator.get().attempts(peer).stream()
        .filter(r -> r.outcome() == AttemptOutcome.SUCCEEDED)
        .map(AttemptRecord::strategy)
        .findFirst()
        .orElse("inbound");
  }

}
