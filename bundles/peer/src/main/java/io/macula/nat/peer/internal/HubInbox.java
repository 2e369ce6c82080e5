package io.macula.nat.peer.internal;

import io.macula.nat.api.StreamReceiver;
import io.macula.nat.hub.protocol.HubFrames;
import io.macula.nat.hub.protocol.HubMessage;
import io.macula.nat.hub.protocol.HubProtocolException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * The messages of a session that stands by at a hub, as they arrive on the transport's thread:
 * handed to the standby's handler while it stands by; once the session is handed over to register
 * on, queued for the session's thread, which reads them in turn as it reads any hub session.
 */
final class HubInbox implements StreamReceiver {
  private static final Object END = new Object();

  private final HubFrames frames = new HubFrames();
  private final BlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
  private final Runnable endedWhileStandingBy;
  private volatile Consumer<HubMessage> standingBy;
  private boolean broken; // the transport's thread only

  /**
   * @param whileStandingBy takes each message until {@link #handOver}
   * @param endedWhileStandingBy runs when the stream ends before it
   */
  HubInbox(Consumer<HubMessage> whileStandingBy, Runnable endedWhileStandingBy) {
    this.standingBy = whileStandingBy;
    this.endedWhileStandingBy = endedWhileStandingBy;
  }

  /** From now on the messages wait for {@link #next}: the node registers on this session. */
  void handOver() {
    standingBy = null;
  }

  @Override
  public void received(ByteBuffer data) {
    if (broken) {
      return;
    }
    try {
      for (HubMessage m : frames.read(data)) {
        Consumer<HubMessage> h = standingBy;
        if (h != null) {
          h.accept(m);
        } else {
          arrived.add(m);
        }
      }
    } catch (HubProtocolException e) {
      broken = true; // nothing after a malformed frame can be read: the session ends at it
      arrived.add(new IOException("the hub sent a malformed message: " + e.getMessage(), e));
      if (standingBy != null) {
        endedWhileStandingBy.run();
      }
    }
  }

  @Override
  public void ended(Optional<IOException> failure) {
    arrived.add(failure.isPresent() ? failure.get() : END);
    if (standingBy != null) {
      endedWhileStandingBy.run();
    }
  }

  /**
   * The next message, waiting for it.
   *
   * @return empty at the end of the stream
   */
  Optional<HubMessage> next() throws IOException {
    Object o;
    try {
      o = arrived.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the hub");
    }
    if (o == END || o instanceof IOException) {
      arrived.add(o); // every later read ends the same way
      if (o instanceof IOException e) {
        throw e;
      }
      return Optional.empty();
    }
    return Optional.of((HubMessage) o);
  }
}
