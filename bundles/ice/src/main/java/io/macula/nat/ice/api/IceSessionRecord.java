package io.macula.nat.ice.api;

import io.macula.nat.api.NodeId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** One ICE session, as an operator reads it: the role, the pairs and their states, the outcome. */
public record IceSessionRecord(
    NodeId peer,
    boolean controlling,
    Instant started,
    String state,
    List<String> pairs,
    Optional<String> selected,
    String detail) {
  public IceSessionRecord {
    pairs = List.copyOf(pairs);
  }
}
