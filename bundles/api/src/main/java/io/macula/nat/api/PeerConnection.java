package io.macula.nat.api;

import java.time.Instant;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A connection to a peer over the best path a connect found. Its streams and datagrams are those
 * of the path's {@link PeerChannel}; a path that carries none refuses them.
 */
@ProviderType
public interface PeerConnection extends PeerChannel, AutoCloseable {
  /** The path the connection uses now. */
  PeerPath path();

  Instant established();

  /** Every attempt of the connect that made this connection, in the order they started. */
  List<AttemptRecord> attempts();

  @Override
  void close();
}
