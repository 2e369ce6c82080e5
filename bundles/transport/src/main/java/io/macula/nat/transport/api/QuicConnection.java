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

  /**
   * Moves the connection's packets to another path; QUIC does not notice. All connections with
   * the peer share its route, and move with it.
   */
  void switchPath(TransportPath path);

  /**
   * Takes the peer's packets that arrive over {@code path} as the connection's (and its route's)
   * from now on, without moving to it: a path the peer is about to send over, which this side
   * moves to later.
   */
  void addPath(TransportPath path);

  /** Moves the connection's packets to another path, as {@link #switchPath(TransportPath)}, saying why. */
  void switchPath(TransportPath path, String reason);

  /** The latest moves of the connection's route (shared by every connection with the peer), oldest first. */
  java.util.List<PathMove> pathMoves();

  /**
   * Moves the connection's packets to a path and keeps them there: an operator's choice, which
   * the node's path policy (upgrades from a relay) leaves alone while the connection lives.
   */
  void pinPath(TransportPath path);

  /**
   * How long the probes of the current path (sent when nothing arrives after this node sent, and
   * as consent checks every few seconds) have gone unanswered, if one is outstanding: what tells a
   * path that stopped passing traffic. Empty on a path through the hub relay, which is not probed.
   */
  java.util.Optional<java.time.Duration> pathUnansweredFor();

  /**
   * The other paths to the peer the connection's route knows: those it left (straight to the peer
   * or through a carrier, never a relay's; the latest four), which it goes on probing for two
   * minutes while they answer nothing. Those that answered since it left them come first, the
   * quickest first: where the path policy may move the connection without asking anyone.
   */
  java.util.List<AlternativePath> alternatives();

  /** Whether an operator pinned the path of the connection's route. */
  boolean isPathPinned();

  long bytesSent();

  long bytesReceived();

  /**
   * Asks the peer's QUIC for an acknowledgement: an ack-eliciting packet the peer's application
   * never sees, acknowledged at once. What comes back counts in {@link #bytesReceived()}: a
   * keep-alive that proves the peer there and costs it one packet in and one out.
   */
  void keepAlive();

  @Override
  void close();
}
