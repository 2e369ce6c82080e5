package io.macula.nat.shell.internal;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NatPairTable;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.RelayDirectory;
import io.macula.nat.api.command.OperatorCommands;
import io.macula.nat.peer.api.HubSession;
import io.macula.nat.stun.api.BindingResult;
import io.macula.nat.stun.api.NatDiscovery;
import io.macula.nat.stun.api.NatInfo;
import io.macula.nat.stun.api.StunClient;
import io.macula.nat.stun.api.StunServerAddress;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * What this node's network allows, in one command, as {@code tailscale netcheck} tells it: whether
 * UDP passes, the mapped address each STUN server sees and the round trip to it, the NAT's mapping,
 * filtering and hairpinning, the round trips to the hub, the TURN server and each node that offers
 * to relay, and the kind of path a connect from here would get to a peer behind each kind of NAT.
 * As text, or as JSON ({@code --json}) for scripts.
 */
@Component(service = NetcheckCommands.class)
@OperatorCommands(scope = "nat", function = {"netcheck"})
public final class NetcheckCommands {
  /** How long each server or relay may take to answer. */
  static final Duration EACH = Duration.ofSeconds(3);

  private final Lazy<StunClient> client;
  private final Lazy<NatDiscovery> discovery;
  private final Lazy<Endpoint> endpoint;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile HubSession hub;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile RelayDirectory relays;

  /** The TURN client's commands: through them, as the shell imports the TURN API optionally. */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile TurnClientCommands turn;

  @Activate
  public NetcheckCommands(
      @Reference(service = StunClient.class) ComponentServiceObjects<StunClient> client,
      @Reference(service = NatDiscovery.class) ComponentServiceObjects<NatDiscovery> discovery,
      @Reference(service = Endpoint.class) ComponentServiceObjects<Endpoint> endpoint) {
    this.client = new Lazy<>(client, "the STUN client");
    this.discovery = new Lazy<>(discovery, "NAT discovery");
    this.endpoint = new Lazy<>(endpoint, "the endpoint");
  }

  @Deactivate
  void deactivate() {
    client.release();
    discovery.release();
    endpoint.release();
  }

  @Descriptor("check what this node's network allows: UDP, STUN, the NAT, round trips to the hub, TURN and relays,"
      + " and the path a connect would get to a peer behind each kind of NAT")
  public void netcheck() {
    System.out.print(text(report()));
  }

  @Descriptor("the same, as JSON")
  public void netcheck(@Descriptor("--json") String flag) {
    if (!flag.equals("--json")) {
      throw new IllegalArgumentException("netcheck takes --json or nothing, not '" + flag + "'");
    }
    System.out.print(Json.of(report()) + "\n");
  }

  /** Every check, as plain values: what both forms print. */
  Map<String, Object> report() {
    Map<String, Object> r = new LinkedHashMap<>();
    NatInfo nat = discovery.get().current()
        .orElseGet(() -> StunCommands.await(discovery.get().discover(), Duration.ofSeconds(60)));
    boolean udp = nat.behavior() != NatBehavior.UDP_BLOCKED;
    r.put("udp", udp);
    r.put("nat", label(nat.behavior().name()));
    r.put("mapping", label(nat.mapping().name()));
    r.put("filtering", label(nat.filtering().name()));
    r.put("hairpinning", nat.hairpinning().orElse(null));
    r.put("mapped", nat.mapped().map(NetcheckCommands::address).orElse(null));
    r.put("stun", stun());
    r.put("hub", hub());
    Map<String, Object> turnReport = turn();
    r.put("turn", turnReport);
    List<Map<String, Object>> relayReport = relays();
    r.put("relays", relayReport);
    boolean turnServer = !((List<?>) turnReport.get("servers")).isEmpty();
    boolean relayAnswers = relayReport.stream().anyMatch(m -> m.get("rtt_ms") != null);
    Map<String, Object> paths = new LinkedHashMap<>();
    for (NatBehavior peer : NatPairTable.KNOWN) {
      paths.put(label(peer.name()), path(nat.behavior(), peer, turnServer, relayAnswers));
    }
    r.put("paths", paths);
    return r;
  }

  /** The kind of path a connect from here gets to a peer behind {@code peer}, with what is there. */
  static String path(NatBehavior self, NatBehavior peer, boolean turnServer, boolean relayAnswers) {
    if (self == NatBehavior.UNKNOWN) {
      return "unknown";
    }
    Optional<PathKind> best = NatPairTable.best(self, peer, turnServer).best();
    if (best.isEmpty()) {
      return "none";
    }
    // A relay that answered carries what the hub would, between nodes that reach it over UDP.
    if (best.get() == PathKind.HUB_RELAY && relayAnswers && self != NatBehavior.UDP_BLOCKED
        && peer != NatBehavior.UDP_BLOCKED) {
      return PathKind.PEER_RELAY.label();
    }
    return best.get().label();
  }

  private List<Map<String, Object>> stun() {
    StunClient c = client.get();
    Map<StunServerAddress, CompletableFuture<BindingResult>> asked = new LinkedHashMap<>();
    c.servers().forEach(s -> asked.put(s, c.binding(s)));
    List<Map<String, Object>> out = new ArrayList<>();
    asked.forEach((server, answer) -> {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("server", server.host() + ":" + server.port());
      try {
        BindingResult b = StunCommands.await(answer, EACH);
        row.put("mapped", address(b.mapped()));
        row.put("rtt_ms", millis(b.roundTrip()));
      } catch (IllegalStateException e) {
        row.put("error", e.getMessage());
      }
      out.add(row);
    });
    return out;
  }

  private Map<String, Object> hub() {
    Map<String, Object> row = new LinkedHashMap<>();
    HubSession h = hub;
    if (h == null) {
      row.put("error", "no hub session: this node has no hub configured");
      return row;
    }
    row.put("id", h.hubId().toString());
    row.put("address", address(h.hubAddress()));
    row.put("up", h.observedAddress().isPresent());
    row.put("transport", h.transport());
    row.put("rtt_ms", endpoint.get().connection(h.hubId(), Endpoint.HUB_PROTOCOL)
        .flatMap(QuicConnection::roundTripTime).map(NetcheckCommands::millis).orElse(null));
    return row;
  }

  private Map<String, Object> turn() {
    Map<String, Object> row = new LinkedHashMap<>();
    TurnClientCommands t = turn;
    row.put("servers", t == null ? List.of() : t.servers());
    Optional<InetSocketAddress[]> held = t == null ? Optional.empty() : t.held();
    row.put("relayed", held.map(h -> address(h[0])).orElse(null));
    row.put("server", held.map(h -> address(h[1])).orElse(null));
    Double rtt = null;
    if (held.isPresent()) {
      try {
        rtt = millis(StunCommands.await(client.get().binding(StunServerAddress.of(held.get()[1])), EACH).roundTrip());
      } catch (IllegalStateException e) {
        row.put("error", e.getMessage());
      }
    }
    row.put("rtt_ms", rtt);
    return row;
  }

  /**
   * The nodes the hub lists as relaying, and the round trip to each: over this node's link to it
   * when there is one, else the handshake of a link made for the check (and closed after it).
   */
  private List<Map<String, Object>> relays() {
    RelayDirectory d = relays;
    List<Map<String, Object>> out = new ArrayList<>();
    if (d == null) {
      return out;
    }
    Endpoint e = endpoint.get();
    for (NodeDescriptor relay : d.relays()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", relay.id().toString());
      row.put("address", relay.observedAddress().map(NetcheckCommands::address).orElse(null));
      row.put("nat", label(relay.nat().name()));
      Optional<QuicConnection> link = e.connection(relay.id(), Endpoint.RELAY_PROTOCOL);
      if (link.isPresent()) {
        row.put("rtt_ms", link.get().roundTripTime().map(NetcheckCommands::millis).orElse(null));
      } else if (relay.observedAddress().isPresent()) {
        long started = System.nanoTime();
        try {
          QuicConnection c = StunCommands.await(e.connect(relay.id(), new TransportPath.Direct(relay.observedAddress().get()),
              Endpoint.RELAY_PROTOCOL), EACH);
          row.put("rtt_ms", millis(Duration.ofNanos(System.nanoTime() - started)));
          c.close();
        } catch (IllegalStateException failed) {
          row.put("error", failed.getMessage());
        }
      }
      out.add(row);
    }
    return out;
  }

  /** The report as an operator reads it. */
  static String text(Map<String, Object> r) {
    StringBuilder out = new StringBuilder();
    out.append(String.format("udp          %s%n", Boolean.TRUE.equals(r.get("udp")) ? "yes" : "no (blocked)"));
    out.append(String.format("nat          %s (mapping %s, filtering %s)%n", r.get("nat"), r.get("mapping"),
        r.get("filtering")));
    Object hairpin = r.get("hairpinning");
    out.append(String.format("hairpinning  %s%n", hairpin == null ? "-" : (Boolean) hairpin ? "yes" : "no"));
    out.append(String.format("mapped       %s%n", r.get("mapped") == null ? "-" : r.get("mapped")));
    for (Object o : (List<?>) r.get("stun")) {
      Map<?, ?> s = (Map<?, ?>) o;
      out.append(String.format("stun         %s: %s%n", s.get("server"), s.containsKey("error") ? s.get("error")
          : "mapped " + s.get("mapped") + ", " + ms(s.get("rtt_ms"))));
    }
    Map<?, ?> h = (Map<?, ?>) r.get("hub");
    out.append(h.containsKey("error") ? String.format("hub          %s%n", h.get("error"))
        : String.format("hub          %s at %s: %s, %s%n", h.get("id"), h.get("address"),
            Boolean.TRUE.equals(h.get("up")) ? "up over " + h.get("transport") : "down (" + h.get("transport") + ")",
            ms(h.get("rtt_ms"))));
    Map<?, ?> t = (Map<?, ?>) r.get("turn");
    List<?> servers = (List<?>) t.get("servers");
    out.append(String.format("turn         %s%n", servers.isEmpty() ? "no server" : String.join(" ",
        servers.stream().map(String::valueOf).toList()) + (t.get("relayed") == null ? ", no relayed address held"
        : ", relayed " + t.get("relayed") + " on " + t.get("server") + ", " + ms(t.get("rtt_ms")))));
    List<?> relays = (List<?>) r.get("relays");
    if (relays.isEmpty()) {
      out.append("relays       none offered\n");
    }
    for (Object o : relays) {
      Map<?, ?> p = (Map<?, ?>) o;
      out.append(String.format("relay        %s at %s (%s): %s%n", p.get("id"), p.get("address"), p.get("nat"),
          p.containsKey("error") ? p.get("error") : ms(p.get("rtt_ms"))));
    }
    out.append("path to a peer behind:\n");
    ((Map<?, ?>) r.get("paths")).forEach((nat, path) -> out.append(String.format("  %-22s %s%n", nat, path)));
    return out.toString();
  }

  private static String ms(Object value) {
    return value == null ? "round trip not measured" : String.format(java.util.Locale.ROOT, "%.2f ms", (Double) value);
  }

  private static double millis(Duration d) {
    return d.toNanos() / 1e6;
  }

  private static String address(InetSocketAddress a) {
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  static String label(String enumName) {
    return StunCommands.label(enumName);
  }


}
