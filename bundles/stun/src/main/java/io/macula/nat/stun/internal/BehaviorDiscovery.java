package io.macula.nat.stun.internal;

import io.macula.nat.stun.api.BindingResult;
import io.macula.nat.stun.api.ChangeRequest;
import io.macula.nat.stun.api.FilteringBehavior;
import io.macula.nat.stun.api.MappingBehavior;
import io.macula.nat.stun.api.NatInfo;
import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.Software;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunServerAddress;
import io.macula.nat.stun.api.StunTransactionException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Clock;
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
 * CHANGE-REQUEST answers in, which would read as endpoint-independent filtering. For the same
 * reason a later run keeps the filtering the first found for the same mapping. Blocking: run it off
 * the socket's thread.
 */
final class BehaviorDiscovery {
  private final BindingClient bindings;
  private final ClientTransactions transactions;
  private final StunReceiver receiver;
  private final RetransmissionSchedule probe;
  private final Clock clock;

  /** The filtering a run found for a mapping: valid while the NAT keeps that mapping. */
  private record FilteringFound(InetSocketAddress mapped, FilteringBehavior filtering, java.time.Instant at) {}

  private volatile FilteringFound lastFiltering;

  BehaviorDiscovery(
      BindingClient bindings,
      ClientTransactions transactions,
      StunReceiver receiver,
      RetransmissionSchedule probe,
      Clock clock) {
    this.bindings = bindings;
    this.transactions = transactions;
    this.receiver = receiver;
    this.probe = probe;
    this.clock = clock;
  }

  /** Runs every test against the first of {@code servers} that answers. */
  NatInfo discover(List<StunServerAddress> servers, InetSocketAddress local) throws InterruptedException {
    StringBuilder detail = new StringBuilder();
    boolean heard = false; // an error answer came: UDP passes, the server would not serve us
    for (StunServerAddress server : servers) {
      BindingResult first;
      try {
        first = bindings.binding(server).get();
      } catch (ExecutionException e) {
        detail.append(server).append(": ").append(e.getCause().getMessage()).append("; ");
        heard |= e.getCause() instanceof StunTransactionException t
            && t.reason() != StunTransactionException.Reason.TIMED_OUT
            && t.reason() != StunTransactionException.Reason.SEND_FAILED;
        continue;
      }
      return discover(first, local, detail);
    }
    detail.append(servers.isEmpty() ? "no STUN server configured or known" : "no STUN server served a Binding");
    return new NatInfo(Optional.empty(), local, Optional.empty(), MappingBehavior.UNKNOWN,
        FilteringBehavior.UNKNOWN, Optional.empty(), !servers.isEmpty() && !heard, detail.toString(), clock.instant());
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
    FilteringFound known = lastFiltering;
    if (known != null && known.mapped().equals(mapped)) {
      // Since the last run sent to the alternate IP, an address-dependent NAT lets that IP in: a
      // new filtering test would read endpoint-independent. Keep what the first run found.
      filtering = known.filtering();
      detail.append("; filtering as found at ").append(known.at());
    } else {
      if (answered(server, new ChangeRequest(true, true))) {
        filtering = FilteringBehavior.ENDPOINT_INDEPENDENT;
      } else if (answered(server, new ChangeRequest(false, true))) {
        filtering = FilteringBehavior.ADDRESS_DEPENDENT;
      } else {
        filtering = FilteringBehavior.ADDRESS_AND_PORT_DEPENDENT;
      }
      lastFiltering = new FilteringFound(mapped, filtering, clock.instant());
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
        mapping, filtering, hairpinning, false, detail.toString(), clock.instant());
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
      return Optional.of(bindings.binding(StunServerAddress.of(server)).get().mapped());
    } catch (ExecutionException e) {
      return Optional.empty();
    }
  }

  /**
   * RFC 5780 §4.5: whether a packet sent from behind the NAT to the node's mapped address comes
   * back to the node. It is sent from a second socket of the same host (as iroh's check does):
   * from the node's own socket, source and destination would be the same address after the NAT's
   * translation, which a Linux NAT drops whether or not it hairpins.
   */
  private Optional<Boolean> hairpin(InetSocketAddress mapped) throws InterruptedException {
    StunMessage request = StunMessage.bindingRequest(new Software(BindingClient.SOFTWARE));
    ByteBuf encoded = StunCodec.encode(ByteBufAllocator.DEFAULT, request, null, false, true);
    byte[] datagram = new byte[encoded.readableBytes()];
    encoded.readBytes(datagram);
    encoded.release();
    CompletableFuture<Void> arrived = receiver.expectHairpin(request.transactionId());
    try (DatagramSocket probeSocket = new DatagramSocket(0)) {
      for (int n = 0; n < probe.rc(); n++) {
        probeSocket.send(new DatagramPacket(datagram, datagram.length, mapped));
        long wait = probe.offsetMillis(n + 1) - probe.offsetMillis(n);
        try {
          arrived.get(wait, TimeUnit.MILLISECONDS);
          return Optional.of(true);
        } catch (TimeoutException e) {
          // not yet: send again
        }
      }
      return Optional.of(false);
    } catch (IOException | ExecutionException e) {
      return Optional.empty(); // no second socket, or it cannot send: not tested
    } finally {
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
