package io.macula.nat.metrics.internal;

/** A part of the status page, shown where its part of the node runs (the hub's only on a hub). */
interface StatusSection {
  /** Where it goes on the page: lower first. */
  int rank();

  void render(Html out);
}
