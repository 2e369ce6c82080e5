package io.macula.nat.transport.api;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import java.net.InetSocketAddress;
import java.util.Objects;

/** Where the endpoint sends a peer's packets: the real route beneath the peer's virtual address. */
public sealed interface TransportPath {
  PathKind kind();

  /** The address the packets go to: on the wire, or for a carried path, the peer's as its relay sees it. */
  InetSocketAddress nextHop();

  /**
   * Straight to the peer's address: its public one, one a hole punch opened, or (kind {@link
   * PathKind#TURN}) the address the peer holds on a TURN server, which relays to it.
   */
  record Direct(InetSocketAddress address, PathKind kind) implements TransportPath {
    public Direct {
      Objects.requireNonNull(address, "address");
      if (kind.relayed() && kind != PathKind.TURN) {
        throw new IllegalArgumentException("a direct path is not " + kind.label());
      }
    }

    public Direct(InetSocketAddress address) {
      this(address, PathKind.DIRECT);
    }

    @Override
    public InetSocketAddress nextHop() {
      return address;
    }
  }

  /** Through a relay (the hub) that forwards the packets, still encrypted, to the peer. */
  record Relayed(InetSocketAddress relay, NodeId peer, PathKind kind) implements TransportPath {
    public Relayed {
      Objects.requireNonNull(relay, "relay");
      Objects.requireNonNull(peer, "peer");
      if (!kind.relayed()) {
        throw new IllegalArgumentException("a relayed path is not " + kind.label());
      }
    }

    @Override
    public InetSocketAddress nextHop() {
      return relay;
    }
  }

  /**
   * Through a carrier: this node's own place on a relay (its TURN allocation), which sends each
   * packet on to {@code peer}, an address as the relay sees it; or a stream to {@code peer} itself.
   */
  record Carried(PacketCarrier carrier, InetSocketAddress peer, PathKind kind) implements TransportPath {
    public Carried {
      Objects.requireNonNull(carrier, "carrier");
      Objects.requireNonNull(peer, "peer");
      Objects.requireNonNull(kind, "kind");
    }

    /** Through {@code carrier}, its paths' kind the carrier's. */
    public Carried(PacketCarrier carrier, InetSocketAddress peer) {
      this(carrier, peer, carrier.kind());
    }

    /** The peer's address: the carrier knows the relay's. */
    @Override
    public InetSocketAddress nextHop() {
      return peer;
    }
  }
}
