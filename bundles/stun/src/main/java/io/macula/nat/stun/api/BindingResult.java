package io.macula.nat.stun.api;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * What a Binding transaction learnt: the server-reflexive (mapped) address, and the RFC 5780
 * addresses when the server gave them.
 */
public record BindingResult(
    InetSocketAddress server,
    InetSocketAddress mapped,
    Optional<InetSocketAddress> otherAddress,
    Optional<InetSocketAddress> responseOrigin,
    Optional<String> software,
    Duration roundTrip) {

  /** Reads a Binding success response; XOR-MAPPED-ADDRESS is preferred to MAPPED-ADDRESS. */
  public static BindingResult of(InetSocketAddress server, StunMessage response, Duration roundTrip) {
    InetSocketAddress mapped = response.attribute(XorMappedAddress.class).map(XorMappedAddress::address)
        .or(() -> response.attribute(MappedAddress.class).map(MappedAddress::address))
        .orElseThrow(() -> StunParseException.at("Binding response", "no (XOR-)MAPPED-ADDRESS"));
    return new BindingResult(
        server,
        mapped,
        response.attribute(OtherAddress.class).map(OtherAddress::address),
        response.attribute(ResponseOrigin.class).map(ResponseOrigin::address),
        response.attribute(Software.class).map(Software::value),
        roundTrip);
  }
}
