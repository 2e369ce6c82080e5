package io.macula.nat.shell.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.peer.api.SignalListener;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** Keeps the latest signals other nodes sent this one, for {@code nat:signals}. */
@Component(service = {SignalListener.class, SignalLog.class})
public final class SignalLog implements SignalListener {
  private static final int KEPT = 100;

  /** One signal: who sent it (as the hub says), when, and what. */
  record Signal(NodeId from, Instant at, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  /** Guarded by this; newest first. */
  private final Deque<Signal> signals = new ArrayDeque<>();

  @Override
  public synchronized void signal(NodeId from, byte[] payload) {
    signals.addFirst(new Signal(from, Instant.now(), payload.clone()));
    if (signals.size() > KEPT) {
      signals.removeLast();
    }
  }

  synchronized List<Signal> signals() {
    return List.copyOf(signals);
  }
}
