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
 * @param noUdpAnswer no UDP answer came at all, from any server (nor does the node know of other
 *     UDP traffic that got through): UDP is blocked
 * @param detail how the tests went, for an operator
 */
public record NatInfo(
    Optional<InetSocketAddress> server,
    InetSocketAddress local,
    Optional<InetSocketAddress> mapped,
    MappingBehavior mapping,
    FilteringBehavior filtering,
    Optional<Boolean> hairpinning,
    boolean noUdpAnswer,
    String detail,
    Instant discoveredAt) {
  public NatInfo {
    Objects.requireNonNull(mapping, "mapping");
    Objects.requireNonNull(filtering, "filtering");
  }

  /** The same result, known not to be UDP blocked: other UDP traffic of the node got through. */
  public NatInfo udpPasses(String how) {
    return noUdpAnswer
        ? new NatInfo(server, local, mapped, mapping, filtering, hairpinning, false, detail + "; yet UDP passes: " + how,
            discoveredAt)
        : this;
  }

  /** The behaviour in the classic names: full cone, restricted, port-restricted, symmetric. */
  public NatBehavior behavior() {
    if (mapped.isEmpty()) {
      return noUdpAnswer ? NatBehavior.UDP_BLOCKED : NatBehavior.UNKNOWN;
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
