package io.macula.nat.turn.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/** The TURN server this node runs (a hub runs one when configured): its clients and what it relayed. */
@ProviderType
public interface TurnService {
  /** The server as clients reach it, RFC 7065: {@code turn:host:port}. */
  String uri();

  /**
   * Time-limited credentials for {@code user} (the TURN REST form), valid for {@code lifetime}: what
   * the hub hands each node it admits.
   */
  TurnServerOffer credentialsFor(String user, Duration lifetime);

  /** The allocations now. */
  List<TurnAllocationInfo> allocations();

  /** What the server counted since it started: allocations, relayed packets and bytes, drops by reason. */
  Map<String, Long> counters();
}
