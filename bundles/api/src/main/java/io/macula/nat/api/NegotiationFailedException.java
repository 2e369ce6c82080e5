package io.macula.nat.api;

import java.util.List;

/** No strategy found a path to a node. The attempts say why, one by one. */
public final class NegotiationFailedException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient NodeId node;
  private final transient List<AttemptRecord> attempts;

  public NegotiationFailedException(NodeId node, String message, List<AttemptRecord> attempts) {
    super(message);
    this.node = node;
    this.attempts = List.copyOf(attempts);
  }

  public NodeId node() {
    return node;
  }

  public List<AttemptRecord> attempts() {
    return attempts;
  }
}
