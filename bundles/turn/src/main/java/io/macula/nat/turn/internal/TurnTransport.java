package io.macula.nat.turn.internal;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/** How a TURN client reaches its server: datagrams over UDP, or framed messages over TCP or TLS. */
interface TurnTransport {
  /** Sends one message to the server; takes ownership of {@code message}. */
  void send(ByteBuf message);

  /** Whether the transport delivers reliably (TCP, TLS): requests are then not sent again. */
  boolean reliable();

  /** The server this transport reaches. */
  InetSocketAddress server();

  /** {@code udp} or {@code tcp}. */
  String name();
}
