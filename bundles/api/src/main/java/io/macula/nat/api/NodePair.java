package io.macula.nat.api;

import java.util.Objects;

/** The two ends of a connect: what this node knows of itself, and of the node it connects to. */
public record NodePair(NodeDescriptor local, NodeDescriptor remote) {
  public NodePair {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(remote, "remote");
  }
}
