package io.macula.nat.transport.api;

import io.macula.nat.api.PeerChannel;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An authenticated QUIC connection to a peer: the peer proved, in the TLS handshake, the key its
 * node id derives from. The path beneath can change while the connection lives.
 */
@ProviderType
public interface QuicConnection extends PeerChannel, AutoCloseable {
  /** A number the endpoint gives each connection, in the order they were made. */
  long id();

  /** The application protocol agreed in the handshake (ALPN). */
  String protocol();

  /** The path the connection's packets take now. */
  TransportPath path();

  /** Moves the connection's packets to another path; QUIC does not notice. */
  void switchPath(TransportPath path);

  long bytesSent();

  long bytesReceived();

  @Override
  void close();
}
