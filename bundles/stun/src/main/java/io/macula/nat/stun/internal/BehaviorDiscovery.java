package io.macula.nat.stun.internal;

import io.macula.nat.stun.api.BindingResult;
import io.macula.nat.stun.api.ChangeRequest;
import io.macula.nat.stun.api.FilteringBehavior;
import io.macula.nat.stun.api.MappingBehavior;
import io.macula.nat.stun.api.NatInfo;
import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.Software;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunParseException;
import io.macula.nat.stun.api.StunServerAddress;
import io.macula.nat.stun.api.StunTransactionException;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * NAT behaviour discovery, RFC 5780 §4, against one server that has an alternate address.
 *
 * <p>The filtering tests run before the mapping tests: the mapping tests send to the server's
 * alternate IP, and a NAT with address-dependent filtering would from then on let that IP's
 * CHANGE-REQUEST answers in, which would read as endpoint-independent filtering. Blocking: run it
 * off the socket's thread.
 */
final class BehaviorDiscovery {
  private final BindingClient firstBinding;
  private final ClientTransactions transactions;
  private final StunReceiver receiver;
  private final RetransmissionSchedule probe;
  private final Clock clock;

  BehaviorDiscovery(
      BindingClient firstBinding,
      ClientTransactions transactions,
      StunReceiver receiver,
      RetransmissionSchedule probe,
      Clock clock) {
    this.firstBinding = firstBinding;
    this.transactions = transactions;
    this.receiver = receiver;
    this.probe = probe;
    this.clock = clock;
  }

  /** Runs every test against the first of {@code servers} that answers. */
  NatInfo discover(List<StunServerAddress> servers, InetSocketAddress local) throws InterruptedException {
    StringBuilder detail = new StringBuilder();
    for (StunServerAddress server : servers) {
      BindingResult first;
      try {
        first = firstBinding.binding(server).get();
      } catch (ExecutionException e) {
        detail.append(server).append(": ").append(e.getCause().getMessage()).append("; ");
        continue;
      }
      return discover(first, local, detail);
    }
    detail.append(servers.isEmpty() ? "no STUN server configured or known" : "no STUN server answered");
    return new NatInfo(Optional.empty(), local, Optional.empty(), MappingBehavior.UNKNOWN,
        FilteringBehavior.UNKNOWN, Optional.empty(), detail.toString(), clock.instant());
  }

  private NatInfo discover(BindingResult first, InetSocketAddress local, StringBuilder detail)
      throws InterruptedException {
    InetSocketAddress server = first.server();
    InetSocketAddress mapped = first.mapped();
    detail.append("mapped ").append(mapped).append(" by ").append(server);
    if (isLocal(mapped, local)) {
      detail.append("; the mapped address is this node's own");
      return info(first, local, MappingBehavior.NO_NAT, FilteringBehavior.ENDPOINT_INDEPENDENT, hairpin(mapped), detail);
    }
    if (first.otherAddress().isEmpty()) {
      detail.append("; the server gives no OTHER-ADDRESS (no RFC 5780): behaviour unknown");
      return info(first, local, MappingBehavior.UNKNOWN, FilteringBehavior.UNKNOWN, hairpin(mapped), detail);
    }
    InetSocketAddress other = first.otherAddress().get();

    FilteringBehavior filtering;
    if (answered(server, new ChangeRequest(true, true))) {
      filtering = FilteringBehavior.ENDPOINT_INDEPENDENT;
    } else if (answered(server, new ChangeRequest(false, true))) {
      filtering = FilteringBehavior.ADDRESS_DEPENDENT;
    } else {
      filtering = FilteringBehavior.ADDRESS_AND_PORT_DEPENDENT;
    }
    detail.append("; filtering ").append(filtering);

    MappingBehavior mapping;
    Optional<InetSocketAddress> second = mapped(new InetSocketAddress(other.getAddress(), server.getPort()));
    if (second.isEmpty()) {
      detail.append("; no answer from the alternate address ").append(other.getAddress().getHostAddress());
      mapping = MappingBehavior.UNKNOWN;
    } else if (second.get().equals(mapped)) {
      mapping = MappingBehavior.ENDPOINT_INDEPENDENT;
    } else {
      Optional<InetSocketAddress> third = mapped(other);
      detail.append("; mapped ").append(second.get()).append(" towards ").append(other.getAddress().getHostAddress());
      mapping = third.isPresent() && third.get().equals(second.get())
          ? MappingBehavior.ADDRESS_DEPENDENT
          : MappingBehavior.ADDRESS_AND_PORT_DEPENDENT;
    }
    detail.append("; mapping ").append(mapping);
    return info(first, local, mapping, filtering, hairpin(mapped), detail);
  }

  private NatInfo info(BindingResult first, InetSocketAddress local, MappingBehavior mapping,
      FilteringBehavior filtering, Optional<Boolean> hairpinning, StringBuilder detail) {
    hairpinning.ifPresent(h -> detail.append("; hairpinning ").append(h ? "yes" : "no"));
    return new NatInfo(Optional.of(first.server()), local, Optional.of(first.mapped()),
        mapping, filtering, hairpinning, detail.toString(), clock.instant());
  }

  /** Whether a Binding request with this CHANGE-REQUEST is answered (from wherever it comes). */
  private boolean answered(InetSocketAddress server, ChangeRequest change) throws InterruptedException {
    StunMessage request = StunMessage.bindingRequest(change, new Software(BindingClient.SOFTWARE));
    try {
      StunMessage r = transactions.start(server, request, null, probe).get();
      return r.messageClass() == StunClass.SUCCESS_RESPONSE;
    } catch (ExecutionException e) {
      return false;
    }
  }

  private Optional<InetSocketAddress> mapped(InetSocketAddress server) throws InterruptedException {
    try {
      StunMessage r = transactions.start(server, StunMessage.bindingRequest(new Software(BindingClient.SOFTWARE)),
          null, probe).get();
      return r.messageClass() == StunClass.SUCCESS_RESPONSE
          ? Optional.of(BindingResult.of(server, r, Duration.ZERO).mapped())
          : Optional.empty();
    } catch (ExecutionException | StunParseException e) {
      return Optional.empty();
    }
  }

  /**
   * RFC 5780 §4.5: a Binding request sent to the node's own mapped address comes back to the node
   * when the NAT hairpins.
   */
  private Optional<Boolean> hairpin(InetSocketAddress mapped) throws InterruptedException {
    StunMessage request = StunMessage.bindingRequest(new Software(BindingClient.SOFTWARE));
    CompletableFuture<Void> arrived = receiver.expectHairpin(request.transactionId());
    // Nobody answers a request sent to ourselves: the probe arrives, or the transaction times out.
    CompletableFuture<StunMessage> sent = transactions.start(mapped, request, null, probe);
    try {
      arrived.get(probe.giveUp().toMillis(), TimeUnit.MILLISECONDS);
      return Optional.of(true);
    } catch (TimeoutException | ExecutionException e) {
      return Optional.of(false);
    } finally {
      sent.cancel(false);
      receiver.forgetHairpin(request.transactionId());
    }
  }

  /** The mapped address is one of this host's own, on the socket's port: no NAT between. */
  static boolean isLocal(InetSocketAddress mapped, InetSocketAddress local) {
    if (mapped.getPort() != local.getPort()) {
      return false;
    }
    if (!local.getAddress().isAnyLocalAddress()) {
      return local.getAddress().equals(mapped.getAddress());
    }
    try {
      return NetworkInterface.getByInetAddress(mapped.getAddress()) != null;
    } catch (SocketException e) {
      return false;
    }
  }
}
