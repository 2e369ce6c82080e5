package io.macula.nat.diagnostics.api;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Round trips and transfers to a peer over the connection a connect made (or the one the peer
 * opened, or one negotiated now), what other nodes sent this one, and the operator's override of a
 * connection's path. Every call that reaches a peer blocks until it is done.
 */
@ProviderType
public interface PeerDiagnostics {
  /** Round-trip times of echo probes, in the order sent, and the path they crossed. */
  record Ping(List<Duration> roundTrips, String over) {
    public Ping {
      roundTrips = List.copyOf(roundTrips);
    }
  }

  /** A transfer, sent or received: its size, SHA-256 (hex) and how long it took. */
  record Transfer(NodeId peer, Instant at, long bytes, String sha256, Duration took, String over) {}

  /** A signal another node sent this one through the hub, which named the sender. */
  record Signal(NodeId from, Instant at, byte[] payload) {}

  /** Sends {@code probes} echo probes one after another. */
  Ping ping(NodeId peer, int probes) throws DiagnosticsException;

  /**
   * Sends {@code megabytes} MiB of random data; the peer answers with the byte count and SHA-256
   * of what arrived, which must match what left.
   */
  Transfer send(NodeId peer, int megabytes) throws DiagnosticsException;

  /** The transfers other nodes sent this one, newest first. */
  List<Transfer> received();

  /** The signals other nodes sent this one, newest first. */
  List<Signal> signals();

  /**
   * Moves the live connection to a peer onto another path, unseen by QUIC: {@link PathKind#DIRECT}
   * to the address the hub observes the peer at, or {@link PathKind#HUB_RELAY}.
   *
   * @return the path now taken, for an operator
   */
  String movePath(NodeId peer, PathKind kind) throws DiagnosticsException;
}
