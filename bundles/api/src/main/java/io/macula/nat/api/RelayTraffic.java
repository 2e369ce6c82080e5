package io.macula.nat.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: a relay this node runs (the hub's relay, a peer relay, a TURN server) registers one
 * to say what it carried, for monitoring to read.
 */
@ConsumerType
public interface RelayTraffic {
  /**
   * What the relay forwarded from one sender since it started.
   *
   * @param node the sender: a node's id, or the user a TURN allocation was made for
   */
  record Carried(String node, long packets, long bytes) {
    public Carried {
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * The sender of the row of {@link #carried()} that sums what the senders no longer there sent
   * (nodes that left, TURN users whose allocations all ended): each count only grows.
   */
  String DEPARTED = "departed";

  /** The kind of path this relay makes: {@link PathKind#HUB_RELAY}, {@code PEER_RELAY} or {@code TURN}. */
  PathKind kind();

  /** What it forwarded, by sender now there, and the {@link #DEPARTED} row; no count goes down while the relay runs. */
  List<Carried> carried();

  /** Packets it refused or could not forward since it started, by reason. */
  Map<String, Long> drops();
}
