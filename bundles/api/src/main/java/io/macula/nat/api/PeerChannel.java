package io.macula.nat.api;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What carries an application's data to a peer, whatever the path beneath: reliable streams and
 * unreliable datagrams, both end-to-end encrypted.
 */
@ProviderType
public interface PeerChannel {
  NodeId peer();

  /** Opens a new stream to the peer. */
  PeerStream openStream() throws IOException;

  /** Where the streams the peer opens go; streams that arrive with no handler set are refused. */
  void onStream(Consumer<PeerStream> handler);

  /**
   * Sends one datagram, unreliably: it may be lost, and is never retransmitted.
   *
   * @return false when it was dropped at once (too large, or the channel is closed)
   */
  boolean sendDatagram(byte[] data);

  /** Where datagrams from the peer go; they are dropped while no handler is set. */
  void onDatagram(Consumer<byte[]> handler);

  /** The largest datagram the channel can carry now. */
  int maxDatagramSize();

  /** The round-trip time the transport measured last. */
  Optional<Duration> roundTripTime();

  boolean isOpen();
}
