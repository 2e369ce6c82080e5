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
import io.macula.nat.transport.api.PacketCarrier;
import java.net.InetAddress;
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
import java.util.function.Function;

/**
 * One ICE session with a peer, RFC 8445: the check list, paced connectivity checks (ordinary and
 * triggered), answers to the peer's checks, role conflicts, and regular nomination by the
 * controlling agent. Every method but {@link #controlling()} and {@link #resolveConflict} runs on
 * the agent's thread; those two run on the socket's, and the role they read and change is atomic.
 */
final class IceSession {
  /**
   * How a session runs: the pacing, the checks' retransmissions, how long it may take, and how long
   * the controlling agent waits after the first valid pair, and after a relayed one, for better ones.
   */
  record Settings(Duration pacing, RetransmissionSchedule checks, Duration nominationDelay, Duration deadline,
      Duration relayNominationDelay) {}

  /**
   * This node's relayed candidate: its address on a TURN server, the carrier checks and data go
   * out through, and how it lets a peer's address send to it (a TURN permission).
   */
  record Relay(Candidate candidate, PacketCarrier carrier, Function<InetAddress, CompletableFuture<Void>> permit) {}

  /** A pair on the check list: this node's base (its socket, or its relayed address) and the peer's candidate. */
  private record PairKey(InetSocketAddress base, InetSocketAddress remote) {}

  /** A peer cannot make this node check more pairs than this in one session. */
  static final int MAX_PAIRS = 32;
  /** The least a better pair being checked gets to answer before a worse valid one is nominated. */
  static final Duration MIN_GRACE = Duration.ofMillis(5);

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
  private final Map<PairKey, CandidatePair> pairs = new LinkedHashMap<>();
  private final List<Candidate> remoteCandidates = new ArrayList<>();
  private Relay relay;
  /** The relayed candidate's carrier, for the socket's thread. */
  private volatile PacketCarrier relayCarrier;
  /** When the first pair with a relayed candidate succeeded, in the clock's nanoseconds; or -1. */
  private long relayValidNanos = -1;
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
  /** A nomination put off while only a relayed pair is valid, or null. */
  private ScheduledFuture<?> relayWait;
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
    gathered = true;
    signal.accept(new IceSignal.End(id));
  }

  /** Whether this node's candidates are all gathered (and the peer told so). */
  boolean gathered() {
    return gathered;
  }

  private volatile boolean gathered;

  /** False in a session whose offer pairs no relays (an upgrade's): the peer's relayed candidates are not paired. */
  private boolean pairsRelays = true;

  /** The session pairs no relayed candidate, the peer's no more than this node's. Before it starts. */
  void pairNoRelays() {
    pairsRelays = false;
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
    if (!reachable(c.address().getAddress()) || (!pairsRelays && c.type() == CandidateType.RELAYED)) {
      refusedCandidates++;
      return;
    }
    if (remoteCandidates.size() >= MAX_PAIRS
        || remoteCandidates.stream().anyMatch(r -> r.address().equals(c.address()))) {
      return;
    }
    remoteCandidates.add(c);
    learnt(addPair(baseCandidate(), c), c);
    if (relay != null && relayable(c)) {
      learnt(addPair(relay.candidate(), c), c);
    }
  }

  /**
   * A pair whose remote candidate was learnt from a check (peer-reflexive) takes the type and
   * priority of the candidate trickled for the same address: a check from the peer's relayed
   * address can arrive before that address's candidate does.
   */
  private static void learnt(CandidatePair pair, Candidate trickled) {
    if (pair != null && pair.remote.type() == CandidateType.PEER_REFLEXIVE
        && trickled.type() != CandidateType.PEER_REFLEXIVE) {
      pair.remote = trickled;
    }
  }

  /**
   * Whether the relayed candidate is paired with {@code c}: not with one on a private, shared
   * (CGNAT), loopback or link-local network (a host candidate, or a reflexive one from a STUN
   * server inside such a network), which only the peer's own network reaches and the socket's
   * pairs cover. A TURN server refuses such peers (ours by default), or, as coturn without a rule
   * against them, sends to them: its allocation was seen to end at once when the send failed.
   */
  static boolean relayable(Candidate c) {
    if (c.type() == CandidateType.RELAYED) {
      return true; // an address on a TURN server, which the servers relay between
    }
    InetAddress a = c.address().getAddress();
    byte[] b = a.getAddress();
    boolean shared = b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64; // 100.64.0.0/10
    boolean uniqueLocal = b.length == 16 && (b[0] & 0xfe) == 0xfc; // fc00::/7
    return !(a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isLoopbackAddress() || shared || uniqueLocal);
  }

  /**
   * This node's relayed candidate, gathered: trickled to the peer, and paired with every candidate
   * of the peer's. Checks from it go through the TURN server, which needs a permission for each
   * of the peer's addresses.
   */
  void addRelay(Relay r) {
    if (relay != null || isOver()) {
      return;
    }
    relay = r;
    relayCarrier = r.carrier();
    addLocal(r.candidate());
    remoteCandidates.stream().filter(IceSession::relayable).forEach(c -> addPair(r.candidate(), c));
  }

  /**
   * Whether a check that came through {@code carrier} is one to this session's relayed candidate:
   * the socket's thread asks, before it answers.
   */
  boolean relaysThrough(PacketCarrier carrier) {
    return carrier != null && carrier == relayCarrier;
  }

  private CandidatePair addPair(Candidate local, Candidate remote) {
    PairKey key = new PairKey(local.address(), remote.address());
    CandidatePair existing = pairs.get(key);
    if (existing != null || pairs.size() >= MAX_PAIRS) {
      return existing;
    }
    CandidatePair pair = new CandidatePair(local, remote);
    pairs.put(key, pair);
    return pair;
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
    if (pair.checksOut++ == 0) {
      pair.checkSentNanos = nanos();
    }
    CompletableFuture<StunMessage> f = pair.local.type() != CandidateType.RELAYED
        ? stun.transact(pair.remote.address(), request, remotePwd, settings.checks())
        : relayedCheck(pair.remote.address(), request);
    checksInFlight.add(f);
    f.whenCompleteAsync((response, error) -> {
      checksInFlight.remove(f);
      pair.checksOut--;
      if (error != null && !nominate && (pair.checksOut > 0 || pair.state == CandidatePair.State.SUCCEEDED)) {
        return; // the pair's other check may still be answered, or was
      }
      answered(pair, nominate, asControlling, response, error);
    }, thread);
  }

  /**
   * A check from the relayed candidate: through the TURN server, once it lets the peer's address
   * send back (a permission lasts five minutes, and asking again for one held costs a request).
   */
  private CompletableFuture<StunMessage> relayedCheck(InetSocketAddress to, StunMessage request) {
    Relay r = relay;
    byte[] key = remotePwd; // read here: the permission completes on the TURN client's thread
    CompletableFuture<StunMessage> out = new CompletableFuture<>();
    r.permit().apply(to.getAddress()).whenComplete((ok, e) -> {
      if (e != null) {
        out.completeExceptionally(e);
      } else if (!out.isDone()) {
        CompletableFuture<StunMessage> check = stun.transact(to, request, key, settings.checks(), r.carrier()::send);
        out.whenComplete((m, x) -> check.cancel(false)); // a check abandoned stops its retransmissions
        check.whenComplete((m, x) -> {
          if (x != null) {
            out.completeExceptionally(x);
          } else {
            out.complete(m);
          }
        });
      }
    });
    return out;
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
    if (pair.relayed() && relayValidNanos < 0) {
      relayValidNanos = nanos();
    }
    if (controlling.get()) {
      if (nominated) {
        select(pair);
      } else if (!nominationScheduled || (relayWait != null && !pair.relayed())) {
        // Regular nomination, §8.1.1: give better pairs a moment to succeed, then nominate the best;
        // a pair without a relay ends the wait for one.
        if (relayWait != null) {
          relayWait.cancel(false);
          relayWait = null;
        }
        nominationScheduled = true;
        thread.schedule(this::nominate, nominationWaitNanos(pair), TimeUnit.NANOSECONDS);
      }
    } else if (pair.nominatedByPeer) {
      select(pair);
    }
  }

  /**
   * How long the controlling agent waits, now that {@code valid} succeeded, before it nominates:
   * until every better pair still being checked has had twice the valid pair's round trip, and
   * {@link #MIN_GRACE} more, to answer since its check began (a better pair that works answers
   * about as fast: a LAN's host pair faster than a path through NATs); the whole nomination delay
   * while a better pair waits unchecked; never longer than that.
   */
  private long nominationWaitNanos(CandidatePair valid) {
    long now = nanos();
    long cap = settings.nominationDelay().toNanos();
    long grace = Math.max(2 * (now - valid.checkSentNanos), MIN_GRACE.toNanos());
    long priority = valid.priority(true);
    long wait = 0;
    for (CandidatePair p : pairs.values()) {
      if (p.priority(true) <= priority) {
        continue;
      }
      if (p.state == CandidatePair.State.WAITING) {
        return cap;
      }
      if (p.state == CandidatePair.State.IN_PROGRESS) {
        wait = Math.max(wait, p.checkSentNanos + grace - now);
      }
    }
    return Math.min(cap, wait);
  }

  /**
   * A check of {@code pair} ended without success. When it was our nomination, nominate the best
   * pair still valid, if any: whether the peer did not answer or answered with an error, waiting
   * for the deadline would not help.
   */
  private void endedWithoutSuccess(CandidatePair pair, boolean nominated) {
    pair.nominating = false;
    if (relayWait != null && !directMayWork()) {
      relayWait.cancel(false); // no pair without a relay can succeed now: no reason to wait
      relayWait = null;
      thread.execute(this::nominate);
    }
    if (!nominated) {
      return;
    }
    nominationScheduled = false;
    if (controlling.get() && pairs.values().stream().anyMatch(p -> p.state == CandidatePair.State.SUCCEEDED)) {
      nominationScheduled = true;
      thread.execute(this::nominate);
    }
  }

  /**
   * Nominates the best valid pair. A relayed one only once no pair without a relay can still
   * succeed, or {@code relayNominationDelay} after it became valid: a direct path is checked a
   * round trip sooner than through a relay, but may need a few retransmissions to open a NAT.
   */
  private void nominate() {
    if (isOver() || !controlling.get()) {
      nominationScheduled = false;
      return;
    }
    Optional<CandidatePair> best = pairs.values().stream().filter(p -> p.state == CandidatePair.State.SUCCEEDED)
        .max(Comparator.comparingLong(p -> p.priority(true)));
    if (best.isEmpty()) {
      nominationScheduled = false;
      return;
    }
    long waitNanos = settings.relayNominationDelay().toNanos() - (nanos() - relayValidNanos);
    relayWait = null;
    if (best.get().relayed() && directMayWork() && waitNanos > 0) {
      relayWait = thread.schedule(this::nominate, waitNanos, TimeUnit.NANOSECONDS);
      return;
    }
    check(best.get(), true);
  }

  /** Whether a pair without a relay is still waiting or being checked. */
  private boolean directMayWork() {
    return pairs.values().stream().anyMatch(p -> !p.relayed()
        && (p.state == CandidatePair.State.WAITING || p.state == CandidatePair.State.IN_PROGRESS));
  }

  private long nanos() {
    Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /**
   * A check from the peer arrived from {@code from}, at the socket or {@code through} the carrier
   * of this session's relayed candidate, and was answered: learn a peer-reflexive candidate, check
   * back at once (a triggered check, §7.3.1.4, beside ours under way on the pair), and note a
   * nomination.
   */
  void checkReceived(InetSocketAddress from, long priority, boolean useCandidate, PacketCarrier through) {
    if (isOver() && selected == null) {
      return;
    }
    if (through != null && (relay == null || relay.carrier() != through)) {
      return; // not through this session's relayed address
    }
    Candidate local = through != null ? relay.candidate() : baseCandidate();
    CandidatePair pair = pairs.get(new PairKey(local.address(), from));
    if (pair == null) {
      Candidate prflx = new Candidate("p" + Integer.toHexString(from.hashCode() & 0xffff), Candidate.COMPONENT,
          Math.max(1, Math.min(priority, 0xFFFFFFFFL)), from, CandidateType.PEER_REFLEXIVE, Optional.empty());
      pair = addPair(local, prflx);
      if (pair == null) {
        return; // the check list is full
      }
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
    } else if (!isOver() && pair.state == CandidatePair.State.IN_PROGRESS && !pair.nominating
        && pair.checksOut == 1 && !triggered.contains(pair)) {
      // §7.3.1.4: our check under way may have met the peer's NAT before the peer's own check
      // opened it. Check again now, not at its retransmission a whole RTO away; it may still be
      // answered, so it runs on (the RFC stops its retransmissions: it costs a few packets more).
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
    Optional<PacketCarrier> through = pair.local.type() == CandidateType.RELAYED
        ? Optional.of(relay.carrier()) : Optional.empty();
    result.complete(new IceResult(peer, pair.local, pair.remote, controlling.get(), pairs.size(), checksSent,
        Duration.between(started, clock.instant()), through));
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
