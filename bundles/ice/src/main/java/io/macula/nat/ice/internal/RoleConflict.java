package io.macula.nat.ice.internal;

/** What an agent does when a check shows both agents in the same role, RFC 8445 §7.3.1.1. */
enum RoleConflict {
  /** No conflict, or the agent switched: answer the check. */
  NONE,
  /** The agent switches role, then answers the check. */
  SWITCH,
  /** The agent keeps its role and answers 487 (Role Conflict). */
  REJECT;

  /**
   * @param weControl this agent's role
   * @param theyControl the role the request claims (ICE-CONTROLLING, or ICE-CONTROLLED)
   */
  static RoleConflict resolve(boolean weControl, long ourTieBreaker, boolean theyControl, long theirTieBreaker) {
    if (weControl != theyControl) {
      return NONE;
    }
    boolean oursIsGreaterOrEqual = Long.compareUnsigned(ourTieBreaker, theirTieBreaker) >= 0;
    if (weControl) {
      // Both controlling: the larger tie-breaker keeps controlling.
      return oursIsGreaterOrEqual ? REJECT : SWITCH;
    }
    // Both controlled: the larger tie-breaker becomes controlling.
    return oursIsGreaterOrEqual ? SWITCH : REJECT;
  }
}
