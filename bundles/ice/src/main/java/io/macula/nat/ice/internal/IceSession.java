package io.macula.nat.ice.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.ice.api.Candidate;
import io.macula.nat.ice.api.CandidateType;
import io.macula.nat.ice.api.IceFailedException;
import io.macula.nat.ice.api.IceResult;
import io.macula.nat.ice.api.IceSessionRecord;
import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.IceControlled;
import io.macula.nat.stun.api.IceControlling;
import io.macula.nat.stun.api.Priority;
import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.StunAttribute;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunClient;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.UseCandidate;
import io.macula.nat.stun.api.Username;
import io.macula.nat.stun.api.XorMappedAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One ICE session with a peer, RFC 8445: the check list, paced connectivity checks (ordinary and
 * triggered), answers to the peer's checks, role conflicts, and regular nomination by the
 * controlling agent. Every method but {@link #controlling()} and {@link #resolveConflict} runs on
 * the agent's thread; those two run on the socket's, and the role they read and change is atomic.
 */
final class IceSession {
  /** How a session runs: the pacing, the checks' retransmissions, and how long it may take. */
  record Settings(Duration pacing, RetransmissionSchedule checks, Duration nominationDelay, Duration deadline) {}

  /** A peer cannot make this node check more pairs than this in one session. */
  static final int MAX_PAIRS = 32;

  final String id;
  final NodeId peer;
  final String localUfrag;
  final String localPwd;
  final long tieBreaker;
  private final StunClient stun;
  private final ScheduledExecutorService thread;
  private final Clock clock;
  private final Settings settings;
  private final Consumer<IceSignal> signal;
  private final Instant started;
  private final CompletableFuture<IceResult> result = new CompletableFuture<>();
  private final Map<InetSocketAddress, CandidatePair> pairs = new LinkedHashMap<>();
  private final Deque<CandidatePair> triggered = new ArrayDeque<>();
  private final List<Candidate> localCandidates = new ArrayList<>();
  private final List<CompletableFuture<StunMessage>> checksInFlight = new ArrayList<>();
  /** The role: written by the agent's thread (a 487 answer) and the socket's (a peer's check). */
  private final java.util.concurrent.atomic.AtomicBoolean controlling;
  private int refusedCandidates; // the agent's thread only
  private String remoteUfrag;
  private byte[] remotePwd;
  private boolean remoteEnded;
  private boolean nominationScheduled;
  private CandidatePair selected;
  private long checksSent;
  private String detail = "";
  private ScheduledFuture<?> pacer;
  private ScheduledFuture<?> deadline;

  IceSession(String id, NodeId peer, boolean controlling, String localUfrag, String localPwd, long tieBreaker,
      StunClient stun, ScheduledExecutorService thread, Clock clock, Settings settings, Consumer<IceSignal> signal) {
    this.id = id;
    this.peer = peer;
    this.controlling = new java.util.concurrent.atomic.AtomicBoolean(controlling);
    this.localUfrag = localUfrag;
    this.localPwd = localPwd;
    this.tieBreaker = tieBreaker;
    this.stun = stun;
    this.thread = thread;
    this.clock = clock;
    this.started = clock.instant();
    this.settings = settings;
    this.signal = signal;
  }

  /** Starts pacing checks and the session's deadline. */
  void start() {
    pacer = thread.scheduleWithFixedDelay(this::pace, 0, settings.pacing().toMillis(), TimeUnit.MILLISECONDS);
    deadline = thread.schedule(() -> fail("no pair worked within " + settings.deadline().toMillis() + " ms"),
        settings.deadline().toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean controlling() {
    return controlling.get();
  }

  CompletableFuture<IceResult> result() {
    return result;
  }

  boolean isOver() {
    return result.isDone();
  }

  /** Whether the session ended without a pair: it will select none, whatever checks come. */
  boolean hasFailed() {
    return result.isCompletedExceptionally();
  }

  /** The peer's credentials, from its offer or answer. */
  void remoteCredentials(String ufrag, String pwd) {
    remoteUfrag = ufrag;
    remotePwd = pwd.getBytes(StandardCharsets.UTF_8);
  }

  /** A candidate of ours, gathered: trickled to the peer. */
  void addLocal(Candidate c) {
    if (localCandidates.stream().anyMatch(l -> l.address().equals(c.address()))) {
      return;
    }
    localCandidates.add(c);
    signal.accept(new IceSignal.Trickle(id, c));
  }

  void localGatheringDone() {
    signal.accept(new IceSignal.End(id));
  }

  /**
   * A candidate of the peer's, trickled: a new pair on the check list, up to {@link #MAX_PAIRS}.
   * A peer names where this node sends checks, so addresses no peer can be at are refused: the
   * unspecified address, multicast, broadcast, and loopback unless this node's own candidate is
   * loopback too (both on one host).
   */
  void addRemote(Candidate c) {
    if (isOver() && selected == null) {
      return;
    }
    if (!reachable(c.address().getAddress())) {
      refusedCandidates++;
      return;
    }
    CandidatePair existing = pairs.get(c.address());
    if (existing == null && pairs.size() < MAX_PAIRS) {
      pairs.put(c.address(), new CandidatePair(baseCandidate(), c));
    }
  }

  /**
   * Whether a peer can be at {@code a}: not unspecified, multicast, "this network" (0/8), reserved or
   * broadcast (240/4), nor one of the endpoint's virtual addresses; loopback only if this node is on
   * loopback too. Checks go where the peer's candidates say, so these are refused up front.
   */
  private boolean reachable(java.net.InetAddress a) {
    byte[] b = a.getAddress();
    boolean thisNetworkOrReserved = b.length == 4 && ((b[0] & 0xff) == 0 || (b[0] & 0xf0) == 0xf0);
    if (a.isAnyLocalAddress() || a.isMulticastAddress() || thisNetworkOrReserved
        || io.macula.nat.transport.api.Endpoint.isVirtual(a)) {
      return false;
    }
    return !a.isLoopbackAddress() || baseCandidate().address().getAddress().isLoopbackAddress();
  }

  /** The peer's candidates refused: addresses no peer can be at. */
  int refusedCandidates() {
    return refusedCandidates;
  }

  void remoteGatheringDone() {
    remoteEnded = true;
    failIfHopeless();
  }

  /** The candidate that stands for this node's socket on the local side of every pair. */
  private Candidate baseCandidate() {
    return localCandidates.stream().filter(c -> c.type() == CandidateType.HOST).findFirst()
        .orElseGet(() -> localCandidates.isEmpty()
            ? new Candidate("0", Candidate.COMPONENT, Candidate.priority(CandidateType.HOST, 65535, Candidate.COMPONENT),
                new InetSocketAddress(0), CandidateType.HOST, Optional.empty())
            : localCandidates.get(0));
  }

  /** One check every pacing interval, RFC 8445 §6.1.4.2: a triggered one first, else the best waiting pair. */
  private void pace() {
    if (isOver() || remotePwd == null) {
      return;
    }
    CandidatePair next = triggered.pollFirst();
    if (next == null) {
      next = pairs.values().stream().filter(p -> p.state == CandidatePair.State.WAITING)
          .max(Comparator.comparingLong(p -> p.priority(controlling.get()))).orElse(null);
    }
    if (next != null) {
      check(next, false);
    }
  }

  private void check(CandidatePair pair, boolean nominate) {
    pair.state = CandidatePair.State.IN_PROGRESS;
    List<StunAttribute> attributes = new ArrayList<>();
    attributes.add(new Username(remoteUfrag + ":" + localUfrag));
    // The priority a peer-reflexive candidate of ours would have, §7.1.1.
    attributes.add(new Priority(Candidate.priority(CandidateType.PEER_REFLEXIVE, 65535, Candidate.COMPONENT)));
    boolean asControlling = controlling.get();
    attributes.add(asControlling ? new IceControlling(tieBreaker) : new IceControlled(tieBreaker));
    if (nominate) {
      attributes.add(new UseCandidate());
      pair.nominating = true;
    }
    StunMessage request = StunMessage.bindingRequest(attributes.toArray(StunAttribute[]::new));
    checksSent++;
    CompletableFuture<StunMessage> f = stun.transact(pair.remote.address(), request, remotePwd, settings.checks());
    checksInFlight.add(f);
    f.whenCompleteAsync((response, error) -> {
      checksInFlight.remove(f);
      answered(pair, nominate, asControlling, response, error);
    }, thread);
  }

  private void answered(CandidatePair pair, boolean nominated, boolean asControlling, StunMessage response, Throwable error) {
    if (isOver()) {
      return;
    }
    if (error != null) {
      pair.state = CandidatePair.State.FAILED;
      endedWithoutSuccess(pair, nominated);
      failIfHopeless();
      return;
    }
    if (response.messageClass() == StunClass.ERROR_RESPONSE) {
      int code = response.attribute(ErrorCode.class).map(ErrorCode::code).orElse(0);
      if (code == ErrorCode.ROLE_CONFLICT) {
        // §7.2.5.1: take the other role unless already switched since the check left, and check
        // the pair again either way.
        controlling.compareAndSet(asControlling, !asControlling);
        pair.state = CandidatePair.State.WAITING;
        endedWithoutSuccess(pair, nominated);
        triggered.remove(pair);
        triggered.addFirst(pair);
      } else {
        pair.state = CandidatePair.State.FAILED;
        detail = "check to " + pair.remote.address() + " answered " + code;
        endedWithoutSuccess(pair, nominated);
        failIfHopeless();
      }
      return;
    }
    if (response.attribute(XorMappedAddress.class).isEmpty()) {
      pair.state = CandidatePair.State.FAILED;
      endedWithoutSuccess(pair, nominated);
      failIfHopeless();
      return;
    }
    pair.state = CandidatePair.State.SUCCEEDED;
    if (controlling.get()) {
      if (nominated) {
        select(pair);
      } else if (!nominationScheduled) {
        // Regular nomination, §8.1.1: give better pairs a moment to succeed, then nominate the best.
        nominationScheduled = true;
        thread.schedule(this::nominate, settings.nominationDelay().toMillis(), TimeUnit.MILLISECONDS);
      }
    } else if (pair.nominatedByPeer) {
      select(pair);
    }
  }

  /**
   * A check of {@code pair} ended without success. When it was our nomination, nominate the best
   * pair still valid, if any: whether the peer did not answer or answered with an error, waiting
   * for the deadline would not help.
   */
  private void endedWithoutSuccess(CandidatePair pair, boolean nominated) {
    pair.nominating = false;
    if (!nominated) {
      return;
    }
    nominationScheduled = false;
    if (controlling.get() && pairs.values().stream().anyMatch(p -> p.state == CandidatePair.State.SUCCEEDED)) {
      nominationScheduled = true;
      thread.execute(this::nominate);
    }
  }

  private void nominate() {
    if (isOver() || !controlling.get()) {
      nominationScheduled = false;
      return;
    }
    pairs.values().stream().filter(p -> p.state == CandidatePair.State.SUCCEEDED)
        .max(Comparator.comparingLong(p -> p.priority(true)))
        .ifPresentOrElse(p -> check(p, true), () -> nominationScheduled = false);
  }

  /**
   * A check from the peer arrived from {@code from} and was answered: learn a peer-reflexive
   * candidate, check back at once (a triggered check, §7.3.1.4), and note a nomination.
   */
  void checkReceived(InetSocketAddress from, long priority, boolean useCandidate) {
    if (isOver() && selected == null) {
      return;
    }
    CandidatePair pair = pairs.get(from);
    if (pair == null && pairs.size() >= MAX_PAIRS) {
      return;
    }
    if (pair == null) {
      Candidate prflx = new Candidate("p" + Integer.toHexString(from.hashCode() & 0xffff), Candidate.COMPONENT,
          Math.max(1, Math.min(priority, 0xFFFFFFFFL)), from, CandidateType.PEER_REFLEXIVE, Optional.empty());
      pair = new CandidatePair(baseCandidate(), prflx);
      pairs.put(from, pair);
    }
    if (useCandidate && !controlling.get()) {
      pair.nominatedByPeer = true;
      if (pair.state == CandidatePair.State.SUCCEEDED) {
        select(pair);
        return;
      }
    }
    if (!isOver() && (pair.state == CandidatePair.State.WAITING || pair.state == CandidatePair.State.FAILED)) {
      pair.state = CandidatePair.State.WAITING;
      triggered.remove(pair);
      triggered.addFirst(pair);
    }
  }

  /**
   * Resolves the role conflict a check from the peer may show, §7.3.1.1, switching the role when
   * the tie-breakers say so; atomic against a switch the agent's thread makes meanwhile.
   */
  RoleConflict resolveConflict(boolean theyControl, long theirTieBreaker) {
    while (true) {
      boolean now = controlling.get();
      RoleConflict outcome = RoleConflict.resolve(now, tieBreaker, theyControl, theirTieBreaker);
      if (outcome != RoleConflict.SWITCH || controlling.compareAndSet(now, !now)) {
        return outcome;
      }
    }
  }

  private void select(CandidatePair pair) {
    if (isOver()) {
      return;
    }
    selected = pair;
    stopChecks();
    detail = "selected " + pair.remote.type().sdpName() + " " + pair.remote.address();
    result.complete(new IceResult(peer, pair.local, pair.remote, controlling.get(), pairs.size(), checksSent,
        Duration.between(started, clock.instant())));
  }

  /** Fails the session once no pair can still succeed: all failed, none coming, none being checked. */
  private void failIfHopeless() {
    if (isOver() || !remoteEnded || remotePwd == null || !triggered.isEmpty() || !checksInFlight.isEmpty()) {
      return;
    }
    if (pairs.values().stream().allMatch(p -> p.state == CandidatePair.State.FAILED)) {
      fail(pairs.isEmpty() ? "the peer gave no candidates" : "every pair failed its checks (" + pairs.size() + " pairs)");
    }
  }

  void fail(String why) {
    if (isOver()) {
      return;
    }
    detail = why;
    stopChecks();
    result.completeExceptionally(new IceFailedException(why));
  }

  private void stopChecks() {
    if (pacer != null) {
      pacer.cancel(false);
    }
    if (deadline != null) {
      deadline.cancel(false);
    }
    List.copyOf(checksInFlight).forEach(f -> f.cancel(false));
  }

  IceSessionRecord record() {
    String state = !isOver() ? "checking" : selected != null ? "selected" : "failed";
    return new IceSessionRecord(peer, controlling.get(), started, state,
        pairs.values().stream().map(CandidatePair::toString).toList(),
        Optional.ofNullable(selected).map(p -> p.remote.type().sdpName() + " " + p.remote.address()), detail);
  }
}
