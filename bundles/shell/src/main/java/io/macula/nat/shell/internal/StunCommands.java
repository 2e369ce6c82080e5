package io.macula.nat.shell.internal;

import io.macula.nat.api.command.OperatorCommands;
import io.macula.nat.stun.api.BindingResult;
import io.macula.nat.stun.api.NatDiscovery;
import io.macula.nat.stun.api.NatInfo;
import io.macula.nat.stun.api.StunClient;
import io.macula.nat.stun.api.StunServerAddress;
import io.macula.nat.stun.api.StunStatistics;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/** STUN from the shell: the mapped address a server sees, and the NAT's behaviour. */
@Component(service = StunCommands.class)
@OperatorCommands(scope = "nat", function = {"stun", "natinfo", "stunstats"})
public final class StunCommands {
  private static final long WAIT_SECONDS = 60;

  private final Lazy<StunClient> client;
  private final Lazy<NatDiscovery> discovery;

  @Activate
  public StunCommands(
      @Reference(service = StunClient.class) ComponentServiceObjects<StunClient> client,
      @Reference(service = NatDiscovery.class) ComponentServiceObjects<NatDiscovery> discovery) {
    this.client = new Lazy<>(client, "the STUN client");
    this.discovery = new Lazy<>(discovery, "NAT discovery");
  }

  @Deactivate
  void deactivate() {
    client.release();
    discovery.release();
  }

  @Descriptor("print the mapped (server-reflexive) address the configured STUN servers see, first that answers")
  public void stun() {
    System.out.print(binding(client.get().binding()));
  }

  @Descriptor("print the mapped (server-reflexive) address a STUN server sees")
  public void stun(@Descriptor("[user:password@]host:port") String server) {
    StunServerAddress address;
    try {
      address = StunServerAddress.parse(server);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("server " + e.getMessage());
    }
    System.out.print(binding(client.get().binding(address)));
  }

  private static String binding(CompletableFuture<BindingResult> f) {
    BindingResult r = await(f);
    StringBuilder out = new StringBuilder();
    out.append("server    ").append(r.server()).append('\n');
    out.append("mapped    ").append(r.mapped()).append('\n');
    r.otherAddress().ifPresent(a -> out.append("other     ").append(a).append('\n'));
    r.responseOrigin().ifPresent(a -> out.append("origin    ").append(a).append('\n'));
    r.software().ifPresent(s -> out.append("software  ").append(s).append('\n'));
    out.append(String.format("rtt       %.2f ms%n", r.roundTrip().toNanos() / 1e6));
    return out.toString();
  }

  @Descriptor("print this node's NAT behaviour (RFC 5780 discovery), discovering it first if it never ran,"
      + " and how long its NAT keeps an idle mapping, as last measured")
  public void natinfo() {
    System.out.print(format(discovery.get().current().orElseGet(() -> await(discovery.get().discover())))
        + lifetime(discovery.get().bindingLifetime()));
  }

  @Descriptor("run NAT behaviour discovery now and print the result")
  public void natinfo(@Descriptor("--refresh") String flag) {
    if (!flag.equals("--refresh")) {
      throw new IllegalArgumentException("natinfo takes --refresh or nothing, not '" + flag + "'");
    }
    System.out.print(format(await(discovery.get().discover())) + lifetime(discovery.get().bindingLifetime()));
  }

  /** How long the NAT keeps an idle mapping, as last measured (measured again after each discovery). */
  private static String lifetime(java.util.Optional<io.macula.nat.stun.api.BindingLifetime> l) {
    return "lifetime     " + l.map(b -> b.describe() + " (idle mapping; measured against " + b.server() + " at "
        + b.measuredAt() + ")").orElse("-") + '\n';
  }

  private static String format(NatInfo n) {
    StringBuilder out = new StringBuilder();
    out.append("behavior     ").append(label(n.behavior().name())).append('\n');
    out.append("mapping      ").append(label(n.mapping().name())).append('\n');
    out.append("filtering    ").append(label(n.filtering().name())).append('\n');
    out.append("hairpinning  ").append(n.hairpinning().map(h -> h ? "yes" : "no").orElse("-")).append('\n');
    out.append("local        ").append(n.local()).append('\n');
    out.append("mapped       ").append(n.mapped().map(String::valueOf).orElse("-")).append('\n');
    out.append("server       ").append(n.server().map(String::valueOf).orElse("-")).append('\n');
    out.append("discovered   ").append(n.discoveredAt()).append('\n');
    out.append("detail       ").append(n.detail()).append('\n');
    return out.toString();
  }

  @Descriptor("print this node's STUN counters: transactions, retransmissions, timeouts, answers, drops")
  public void stunstats() {
    StunStatistics s = client.get().statistics();
    Table t = new Table("COUNTER", "VALUE");
    t.row("transactions", s.transactions());
    t.row("retransmissions", s.retransmissions());
    t.row("responses", s.responses());
    t.row("timeouts", s.timeouts());
    t.row("requests-answered", s.requestsAnswered());
    s.drops().forEach((k, v) -> t.row("dropped:" + k, v));
    System.out.print(t);
  }

  /** RFC names in lower case with dashes: PORT_RESTRICTED_CONE reads port-restricted-cone. */
  static String label(String enumName) {
    return enumName.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  private static <T> T await(CompletableFuture<T> f) {
    return await(f, java.time.Duration.ofSeconds(WAIT_SECONDS));
  }

  /** A result within {@code limit}; else an error that says why (the future given up when too late). */
  static <T> T await(CompletableFuture<T> f, java.time.Duration limit) {
    try {
      return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(String.valueOf(e.getCause().getMessage()), e.getCause());
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new IllegalStateException("no result within " + limit.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }
}
