package io.macula.nat.diagnostics.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.SignalListener;
import io.macula.nat.diagnostics.api.PeerDiagnostics.Signal;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** Keeps the latest signals other nodes sent this one. */
@Component(service = {SignalListener.class, SignalLog.class})
public final class SignalLog implements SignalListener {
  private static final int KEPT = 100;

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
