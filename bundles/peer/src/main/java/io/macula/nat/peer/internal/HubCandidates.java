package io.macula.nat.peer.internal;

import io.macula.nat.api.NodeId;
import java.util.ArrayList;
import java.util.List;

/**
 * The hubs this node may home at, in order: those configured, then those its hubs said the mesh
 * has. It stays with the hub it has until that one fails, then takes the next: a hub that comes
 * back does not take its nodes back.
 */
final class HubCandidates {
  private final List<HubAddress> configured;
  private List<HubAddress> learned = List.of();
  private HubAddress current;

  HubCandidates(List<HubAddress> configured) {
    if (configured.isEmpty()) {
      throw new IllegalArgumentException("no hub");
    }
    this.configured = List.copyOf(configured);
    this.current = configured.get(0);
  }

  synchronized HubAddress current() {
    return current;
  }

  /** Every hub, in the order they are tried. */
  synchronized List<HubAddress> all() {
    List<HubAddress> all = new ArrayList<>(configured);
    for (HubAddress h : learned) {
      if (all.stream().noneMatch(a -> a.id().equals(h.id()))) {
        all.add(h);
      }
    }
    return all;
  }

  /** The hubs but the current one. */
  synchronized List<HubAddress> fallbacks() {
    List<HubAddress> all = all();
    all.removeIf(h -> h.id().equals(current.id()));
    return all;
  }

  /** The mesh's hubs as a hub told them: they replace those learned before. */
  synchronized void learned(List<HubAddress> hubs) {
    learned = List.copyOf(hubs);
  }

  /** The current hub failed: the next one, after it in order (the same one if it is the only one). */
  synchronized HubAddress next() {
    List<HubAddress> all = all();
    int i = indexOf(all, current.id());
    current = all.get(i < 0 ? 0 : (i + 1) % all.size());
    return current;
  }

  /** The node moves to {@code hub} (the one it stood by at), wherever it is in the order. */
  synchronized HubAddress moveTo(HubAddress hub) {
    current = hub;
    return current;
  }

  /** How many hubs there are to try. */
  synchronized int size() {
    return all().size();
  }

  private static int indexOf(List<HubAddress> all, NodeId id) {
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).id().equals(id)) {
        return i;
      }
    }
    return -1;
  }
}
