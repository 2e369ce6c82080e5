package io.macula.nat.ice.internal;

import io.macula.nat.ice.api.Candidate;
import io.macula.nat.ice.api.CandidateType;

/**
 * A pair of a local and a remote candidate, and the state of its checks, RFC 8445 §6.1.2.6. The
 * agent's host and server-reflexive candidates have the node's one socket as their base, so the
 * check list holds one pair per remote candidate from the socket (§6.1.2.4 prunes the rest), and
 * one from the relayed candidate where there is one. Confined to the agent's thread.
 */
final class CandidatePair {
  enum State { WAITING, IN_PROGRESS, SUCCEEDED, FAILED }

  final Candidate local;
  /** The peer's candidate: one learnt from a check gives way to the same address trickled later. */
  Candidate remote;
  State state = State.WAITING;
  /** The peer sent USE-CANDIDATE for this pair (we are controlled). */
  boolean nominatedByPeer;
  /** A check with USE-CANDIDATE of ours is under way or succeeded (we control). */
  boolean nominating;
  /** Our checks of this pair under way: two when a triggered one went out beside an earlier one. */
  int checksOut;
  /** When the earliest of our checks under way on this pair began, in the session's nanoseconds. */
  long checkSentNanos = -1;

  CandidatePair(Candidate local, Candidate remote) {
    this.local = local;
    this.remote = remote;
  }

  /**
   * RFC 8445 §6.1.2.3: 2^32 MIN(G,D) + 2 MAX(G,D) + (G>D ? 1 : 0), with G the controlling agent's
   * candidate priority and D the controlled one's.
   */
  static long priority(long controlling, long controlled) {
    return (Math.min(controlling, controlled) << 32) + 2 * Math.max(controlling, controlled)
        + (controlling > controlled ? 1 : 0);
  }

  /** Whether either side of the pair is a relayed candidate: its packets go through a TURN server. */
  boolean relayed() {
    return local.type() == CandidateType.RELAYED || remote.type() == CandidateType.RELAYED;
  }

  long priority(boolean weControl) {
    return weControl ? priority(local.priority(), remote.priority()) : priority(remote.priority(), local.priority());
  }

  @Override
  public String toString() {
    return (local.type() == CandidateType.RELAYED ? "from relay " + local.address() + " to " : "")
        + remote.type().sdpName() + " " + remote.address() + " " + state.name().toLowerCase(java.util.Locale.ROOT)
        + (nominatedByPeer || nominating ? " nominated" : "");
  }
}
