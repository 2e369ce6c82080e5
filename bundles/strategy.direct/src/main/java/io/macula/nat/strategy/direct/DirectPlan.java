package io.macula.nat.strategy.direct;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodePair;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * How the direct strategy reaches a peer in one QUIC handshake, if it can: the addresses to dial
 * (all at once, the first to answer wins), or a dial back, where the peer dials this node.
 */
sealed interface DirectPlan {
  /** The most LAN addresses of a peer behind this node's own NAT dialled at once. */
  int MAX_LAN_ADDRESSES = 4;

  /** Dial these addresses of the peer. */
  record Dial(List<InetSocketAddress> addresses) implements DirectPlan {}

  /** Ask the peer, through the hub, to dial this node, which is reachable. */
  record DialBack() implements DirectPlan {}

  /** No way in one handshake, and why. */
  record None(String why) implements DirectPlan {}

  /**
   * The plan for a pair. {@code canSignal}: whether a hub session runs to ask the peer through.
   */
  static DirectPlan of(NodePair pair, boolean canSignal) {
    NodeDescriptor local = pair.local();
    NodeDescriptor remote = pair.remote();
    String peer = remote.id().shortForm();
    if (local.nat() == NatBehavior.UDP_BLOCKED) {
      return new None("UDP is blocked here");
    }
    if (remote.nat() == NatBehavior.UDP_BLOCKED) {
      return new None("UDP is blocked at " + peer);
    }
    Optional<InetSocketAddress> observed = remote.observedAddress();
    if (observed.isEmpty()) {
      return new None("the hub knows no address of " + peer);
    }
    if (reachable(remote)) {
      return new Dial(List.of(observed.get())); // no NAT in front of it
    }
    Optional<InetSocketAddress> ours = local.observedAddress();
    if (ours.isPresent() && ours.get().getAddress().equals(observed.get().getAddress())) {
      List<InetSocketAddress> lan = remote.reportedAddresses().stream()
          .filter(a -> !a.equals(observed.get()) && !a.getAddress().isLoopbackAddress())
          .limit(MAX_LAN_ADDRESSES).toList();
      if (!lan.isEmpty()) {
        return new Dial(lan); // behind this node's own NAT: its LAN addresses
      }
    }
    if (remote.nat() == NatBehavior.FULL_CONE) {
      return new Dial(List.of(observed.get())); // a full cone lets anyone in at its mapped address
    }
    if (reachable(local)) {
      return canSignal ? new DialBack() : new None("no hub session to ask " + peer + " to dial this node through");
    }
    return new None(peer + " is behind a NAT: the hub sees it at " + observed.get() + ", it reports "
        + remote.reportedAddresses() + "; neither side is reachable");
  }

  /** No NAT in between: the node reports the address the hub observes it at. */
  static boolean reachable(NodeDescriptor node) {
    return node.observedAddress().map(node.reportedAddresses()::contains).orElse(false);
  }
}
