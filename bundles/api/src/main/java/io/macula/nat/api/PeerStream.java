package io.macula.nat.api;

import java.io.InputStream;
import java.io.OutputStream;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A reliable, ordered byte stream to a peer, in both directions. Closing the output ends the
 * stream for the peer's input after everything written has arrived.
 */
@ProviderType
public interface PeerStream extends AutoCloseable {
  InputStream input();

  OutputStream output();

  /** Closes both directions. */
  @Override
  void close();
}
