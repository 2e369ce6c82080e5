package io.macula.nat.stun.api;

import io.macula.nat.api.NatBehavior;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What NAT behaviour discovery (RFC 5780 §4) found from the node's shared socket, against one
 * server.
 *
 * @param server the server the tests ran against, if one answered
 * @param mapped the server-reflexive address, if a server answered
 * @param hairpinning whether a packet to the node's own mapped address came back, if tested
 * @param detail how the tests went, for an operator
 */
public record NatInfo(
    Optional<InetSocketAddress> server,
    InetSocketAddress local,
    Optional<InetSocketAddress> mapped,
    MappingBehavior mapping,
    FilteringBehavior filtering,
    Optional<Boolean> hairpinning,
    String detail,
    Instant discoveredAt) {
  public NatInfo {
    Objects.requireNonNull(mapping, "mapping");
    Objects.requireNonNull(filtering, "filtering");
  }

  /** The behaviour in the classic names: full cone, restricted, port-restricted, symmetric. */
  public NatBehavior behavior() {
    if (mapped.isEmpty()) {
      return server.isEmpty() ? NatBehavior.UDP_BLOCKED : NatBehavior.UNKNOWN;
    }
    return switch (mapping) {
      case NO_NAT -> NatBehavior.NONE;
      case ADDRESS_DEPENDENT, ADDRESS_AND_PORT_DEPENDENT -> NatBehavior.SYMMETRIC;
      case UNKNOWN -> NatBehavior.UNKNOWN;
      case ENDPOINT_INDEPENDENT -> switch (filtering) {
        case ENDPOINT_INDEPENDENT -> NatBehavior.FULL_CONE;
        case ADDRESS_DEPENDENT -> NatBehavior.RESTRICTED_CONE;
        case ADDRESS_AND_PORT_DEPENDENT -> NatBehavior.PORT_RESTRICTED_CONE;
        case UNKNOWN -> NatBehavior.UNKNOWN;
      };
    };
  }
}
