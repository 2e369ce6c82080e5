package io.macula.nat.strategy.turn;

import io.macula.nat.api.PathKind;
import io.macula.nat.transport.api.PacketCarrier;
import io.macula.nat.turn.api.RelayedAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** The node's relayed address as the endpoint's carrier: QUIC packets to peers go through the TURN server. */
final class RelayCarrier implements PacketCarrier {
  private final RelayedAddress relayed;

  RelayCarrier(RelayedAddress relayed) {
    this.relayed = relayed;
  }

  RelayedAddress relayed() {
    return relayed;
  }

  @Override
  public void send(InetSocketAddress peer, ByteBuffer packet) {
    relayed.send(peer, packet);
  }

  @Override
  public String describe() {
    return "turn " + text(relayed.server()) + "/" + relayed.transport() + " relayed " + text(relayed.relayed());
  }

  private static String text(InetSocketAddress a) {
    return new io.macula.nat.api.HostPort(a.getAddress().getHostAddress(), a.getPort()).toString();
  }

  @Override
  public PathKind kind() {
    return PathKind.TURN;
  }

  @Override
  public String toString() {
    return describe();
  }
}
