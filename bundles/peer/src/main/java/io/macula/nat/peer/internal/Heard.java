package io.macula.nat.peer.internal;

import io.macula.nat.transport.api.QuicConnection;

/**
 * When the hub was last heard: any packet of the hub connection counts (acknowledgements too),
 * so a hub busy relaying is not taken for a lost one; and when it last answered, for a hub whose
 * QUIC stack acknowledges while the hub itself answers nothing.
 */
final class Heard {
  private final QuicConnection connection;
  private long bytes;
  private long at = System.nanoTime();
  private volatile long answeredAt = System.nanoTime();

  /** A message of the hub arrived (a pong, a node list, a signal). */
  void answered() {
    answeredAt = System.nanoTime();
  }

  /** Nanoseconds since the hub last sent a message. */
  long unanswered() {
    return System.nanoTime() - answeredAt;
  }

  Heard(QuicConnection connection) {
    this.connection = connection;
    this.bytes = connection.bytesReceived();
  }

  /** Nanoseconds since the hub was last heard; called by one thread only. */
  long silence() {
    long now = System.nanoTime();
    long b = connection.bytesReceived();
    if (b != bytes) {
      bytes = b;
      at = now;
    }
    return now - at;
  }
}
