package io.macula.nat.negotiator.internal;

import io.macula.nat.api.AttemptRecord;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerConnection;
import io.macula.nat.api.PeerPath;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** A connection over the path that won a connect. */
final class NegotiatedConnection implements PeerConnection {
  private final NodeId peer;
  private final PeerPath path;
  private final Instant established;
  private final List<AttemptRecord> attempts;
  private final AtomicBoolean open = new AtomicBoolean(true);

  NegotiatedConnection(NodeId peer, PeerPath path, Instant established, List<AttemptRecord> attempts) {
    this.peer = peer;
    this.path = path;
    this.established = established;
    this.attempts = List.copyOf(attempts);
  }

  @Override
  public NodeId peer() {
    return peer;
  }

  @Override
  public PeerPath path() {
    return path;
  }

  @Override
  public Instant established() {
    return established;
  }

  @Override
  public List<AttemptRecord> attempts() {
    return attempts;
  }

  @Override
  public boolean isOpen() {
    return open.get();
  }

  @Override
  public void close() {
    if (open.compareAndSet(true, false)) {
      path.close();
    }
  }

  @Override
  public String toString() {
    return "connection to " + peer.shortForm() + " over " + path.kind().label() + " (" + path.strategy() + ")";
  }
}
