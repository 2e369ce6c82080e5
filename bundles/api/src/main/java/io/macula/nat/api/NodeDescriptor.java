package io.macula.nat.api;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What is known of one node: the addresses it reports for itself, the address another party (the
 * hub) observes it from, its NAT behaviour, and whether it offers to relay for others.
 */
public record NodeDescriptor(
    NodeId id,
    List<InetSocketAddress> reportedAddresses,
    Optional<InetSocketAddress> observedAddress,
    NatBehavior nat,
    boolean offersRelay) {

  public NodeDescriptor {
    Objects.requireNonNull(id, "id");
    reportedAddresses = List.copyOf(reportedAddresses);
    Objects.requireNonNull(observedAddress, "observedAddress");
    Objects.requireNonNull(nat, "nat");
  }

  /** A node known by its id alone. */
  public static NodeDescriptor unknown(NodeId id) {
    return new NodeDescriptor(id, List.of(), Optional.empty(), NatBehavior.UNKNOWN, false);
  }
}
