package io.macula.nat.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Takes a stream's bytes as they arrive (see {@link PeerStream#receive}), so that no thread waits
 * on each stream: what a server holding many streams uses. Its calls come one at a time, in the
 * stream's order, on the transport's thread; none may block.
 */
@ConsumerType
public interface StreamReceiver {
  /** The stream's next bytes; {@code data} is the receiver's only for the call. */
  void received(ByteBuffer data);

  /** The stream ended: the peer finished it or it was closed (no failure), or it failed. The last call. */
  void ended(Optional<IOException> failure);
}
