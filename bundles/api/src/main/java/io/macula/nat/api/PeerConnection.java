package io.macula.nat.api;

import java.time.Instant;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** A connection to a peer over the best path a connect found. */
@ProviderType
public interface PeerConnection extends AutoCloseable {
  NodeId peer();

  /** The path the connection uses now. */
  PeerPath path();

  Instant established();

  /** Every attempt of the connect that made this connection, in the order they started. */
  List<AttemptRecord> attempts();

  boolean isOpen();

  @Override
  void close();
}
