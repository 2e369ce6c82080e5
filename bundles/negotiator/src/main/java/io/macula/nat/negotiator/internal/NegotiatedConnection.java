package io.macula.nat.negotiator.internal;

import io.macula.nat.api.AttemptRecord;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerChannel;
import io.macula.nat.api.PeerConnection;
import io.macula.nat.api.PeerPath;
import io.macula.nat.api.PeerStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** A connection over the path that won a connect; its data goes through the path's channel. */
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
    return open.get() && path.channel().map(PeerChannel::isOpen).orElse(true);
  }

  @Override
  public PeerStream openStream() throws IOException {
    return channel().openStream();
  }

  @Override
  public void onStream(Consumer<PeerStream> handler) {
    channel().onStream(handler);
  }

  @Override
  public boolean sendDatagram(byte[] data) {
    return open.get() && channel().sendDatagram(data);
  }

  @Override
  public void onDatagram(Consumer<byte[]> handler) {
    channel().onDatagram(handler);
  }

  @Override
  public int maxDatagramSize() {
    return path.channel().map(PeerChannel::maxDatagramSize).orElse(0);
  }

  @Override
  public Optional<Duration> roundTripTime() {
    return path.channel().flatMap(PeerChannel::roundTripTime).or(path::roundTripTime);
  }

  private PeerChannel channel() {
    return path.channel()
        .orElseThrow(() -> new UnsupportedOperationException(
            "the " + path.strategy() + " path carries no data channel"));
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
