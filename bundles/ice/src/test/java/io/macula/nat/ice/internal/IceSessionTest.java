package io.macula.nat.ice.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeId;
import io.macula.nat.ice.api.Candidate;
import io.macula.nat.ice.api.CandidateType;
import io.macula.nat.ice.api.IceFailedException;
import io.macula.nat.ice.api.IceResult;
import io.macula.nat.ice.api.IceSessionRecord;
import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.IceControlled;
import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.Username;
import io.macula.nat.testing.ManualScheduler;
import io.macula.nat.transport.api.PacketCarrier;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The session's state machine, RFC 8445, on a {@link ManualScheduler}: pacing, nomination delay,
 * the checks' give-up and the session's deadline all run on the test's clock, to the millisecond.
 */
class IceSessionTest {
  private static final NodeId PEER = NodeId.of(new byte[32]);
  private static final long TIE_BREAKER = 0x1234_5678_9ABCL;
  private static final Duration PACING = ms(20);
  private static final Duration NOMINATION_DELAY = ms(40);
  private static final Duration DEADLINE = ms(5000);
  private static final Duration RELAY_NOMINATION_DELAY = ms(500); // shorter than a check's GIVE_UP
  /** RTO 100 ms, 3 sends, Rm 4: a check gives up 700 ms after it was sent. */
  private static final RetransmissionSchedule CHECKS = new RetransmissionSchedule(ms(100), 3, 4);
  private static final Duration GIVE_UP = CHECKS.giveUp();

  private static final Candidate LOCAL = host("10.0.0.1", 7400, 65535);
  private static final Candidate REMOTE_HOST = host("10.0.0.2", 7400, 65535);
  private static final Candidate REMOTE_SRFLX = new Candidate("s1", Candidate.COMPONENT,
      Candidate.priority(CandidateType.SERVER_REFLEXIVE, 65535, Candidate.COMPONENT),
      new InetSocketAddress("203.0.113.2", 40000), CandidateType.SERVER_REFLEXIVE,
      Optional.of(REMOTE_HOST.address()));
  private static final Candidate RELAYED = new Candidate("r1", Candidate.COMPONENT,
      Candidate.priority(CandidateType.RELAYED, 65535, Candidate.COMPONENT), new InetSocketAddress("192.0.2.50", 50000),
      CandidateType.RELAYED, Optional.of(new InetSocketAddress("192.0.2.50", 50000)));
  private static final PacketCarrier CARRIER = carrier("a relay");
  private static final InetSocketAddress MAPPED = new InetSocketAddress("198.51.100.1", 7400);

  private final ManualScheduler time = new ManualScheduler();
  private final ScriptedStun stun = new ScriptedStun(time);
  private final List<IceSignal> signals = new ArrayList<>();

  @Test
  void theControllingAgentNominatesTheBestPairAtOnceWhenItSucceedsAndSelectsIt() {
    IceSession s = checking(true, REMOTE_HOST, REMOTE_SRFLX);
    assertEquals(List.of("10.0.0.2:7400 controlling"), stun.sent(), "the best pair first");
    assertEquals(Optional.of(new Username("rmte:locl")), stun.check(0).request.attribute(Username.class));
    time.advance(PACING);
    assertEquals(List.of("10.0.0.2:7400 controlling", "203.0.113.2:40000 controlling"), stun.sent(),
        "one check per pacing interval");

    stun.check(0).succeed(MAPPED);
    time.runDue();
    assertEquals("10.0.0.2:7400 controlling use-candidate", stun.last().toString(), "no better pair to wait for");
    assertFalse(s.isOver(), "nominated, not yet selected");

    time.advance(ms(3));
    stun.last().succeed(MAPPED);
    time.runDue();

    IceResult r = selected(s);
    assertEquals(REMOTE_HOST, r.remote());
    assertEquals(LOCAL, r.local());
    assertTrue(r.controlling());
    assertEquals(2, r.pairs());
    assertEquals(3, r.checksSent());
    assertEquals(ms(23), r.elapsed(), "20 ms to the first answer, 3 ms for the nomination's answer");
    IceSessionRecord record = s.record();
    assertEquals("selected", record.state());
    assertEquals(Optional.of("host /10.0.0.2:7400"), record.selected());
    assertEquals(ManualScheduler.EPOCH, record.started());

    assertTrue(stun.check(1).answer.isCancelled(), "the checks still in flight are abandoned");
    assertEquals(0, time.pending(), "no pacing, no deadline, no give-up left to run");
    time.advance(ms(1000));
    assertEquals(3, stun.checks().size(), "no checks once a pair is selected");
  }

  @Test
  void aBetterPairCheckedJustBeforeGetsTheNominationDelayAndIsTheOneNominatedWhenItSucceeds() {
    IceSession s = checking(true, REMOTE_SRFLX); // its check at 0 ms
    time.advance(ms(1));
    s.addRemote(REMOTE_HOST); // a better pair, checked at 20 ms
    time.advance(PACING.minus(ms(1)));
    stun.check(0).succeed(MAPPED); // the srflx pair at 20 ms: twice its round trip is longer than the delay
    time.runDue();
    time.advance(ms(10));
    stun.check(1).succeed(MAPPED); // the host pair, at 30 ms
    time.runDue();
    time.advance(NOMINATION_DELAY.minus(ms(11)));
    assertEquals(2, stun.checks().size(), "no nomination before the delay is up");

    time.advance(ms(1));
    nominatedThenSelected(s, REMOTE_HOST);
  }

  @Test
  void aBetterPairUnansweredForTwiceTheValidPairsRoundTripAndFiveMsMoreHoldsNoNomination() {
    IceSession s = checking(true, REMOTE_HOST, REMOTE_SRFLX); // the host pair's check at 0 ms
    time.advance(PACING); // the srflx pair's at 20 ms
    time.advance(ms(2));
    stun.check(1).succeed(MAPPED); // a 2 ms round trip: the host pair had 22 ms, more than 2 x 2 + 5
    time.runDue();

    nominatedThenSelected(s, REMOTE_SRFLX);
  }

  @Test
  void aCheckFromThePeerOnAPairBeingCheckedTriggersAnotherCheckBesideIt() {
    IceSession s = checking(true, REMOTE_SRFLX); // its check at 0 ms, lost at the peer's NAT
    time.advance(ms(3));
    s.checkReceived(REMOTE_SRFLX.address(), REMOTE_SRFLX.priority(), false, null); // the peer's opened it
    time.advance(PACING.minus(ms(3)));
    assertEquals(List.of("203.0.113.2:40000 controlling", "203.0.113.2:40000 controlling"), stun.sent(),
        "checked again at the next pacing slot, not at the first check's retransmission");
    s.checkReceived(REMOTE_SRFLX.address(), REMOTE_SRFLX.priority(), false, null);
    time.advance(PACING);
    assertEquals(2, stun.checks().size(), "one more check, however many of the peer's arrive");

    stun.check(1).succeed(MAPPED);
    time.runDue();
    assertEquals("203.0.113.2:40000 controlling use-candidate", stun.last().toString());
    time.advance(GIVE_UP.minus(ms(39))); // 701 ms: the first check gave up; the nomination, sent at 40, has not
    assertEquals("srflx /203.0.113.2:40000 in_progress nominated", s.record().pairs().get(0),
        "the first check's give-up fails nothing: its pair succeeded");
  }

  static Stream<Arguments> answers() {
    BiConsumer<ManualScheduler, ScriptedStun.Check> success = (t, c) -> c.succeed(MAPPED);
    return Stream.of(
        Arguments.of("success", success, "succeeded", false),
        Arguments.of("no answer", (BiConsumer<ManualScheduler, ScriptedStun.Check>) (t, c) -> t.advance(GIVE_UP),
            "failed", false),
        Arguments.of("401 Unauthenticated",
            (BiConsumer<ManualScheduler, ScriptedStun.Check>) (t, c) -> c.error(ErrorCode.UNAUTHENTICATED),
            "failed", false),
        Arguments.of("success without XOR-MAPPED-ADDRESS",
            (BiConsumer<ManualScheduler, ScriptedStun.Check>) (t, c) -> c.succeedWithoutMappedAddress(),
            "failed", false),
        Arguments.of("487 Role Conflict: switch role, check again",
            (BiConsumer<ManualScheduler, ScriptedStun.Check>) (t, c) -> c.error(ErrorCode.ROLE_CONFLICT),
            "waiting", true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  void theAnswerToACheckSetsItsPairsState(
      String name, BiConsumer<ManualScheduler, ScriptedStun.Check> answer, String state, boolean controlling) {
    IceSession s = checking(false, REMOTE_HOST); // controlled: a valid pair is not nominated at once

    answer.accept(time, stun.check(0));
    time.runDue();

    assertEquals(List.of("host /10.0.0.2:7400 " + state), s.record().pairs());
    assertEquals(controlling, s.controlling());
    assertFalse(s.isOver(), "one pair's answer does not end a session whose peer may trickle more");
  }

  @Test
  void aRoleConflictMakesTheAgentControlledAndChecksThePairAgainFirst() {
    IceSession s = checking(true, REMOTE_HOST, REMOTE_SRFLX);
    time.advance(PACING.plus(ms(5)));
    stun.check(1).error(ErrorCode.ROLE_CONFLICT);
    time.runDue();
    assertFalse(s.controlling());
    s.addRemote(host("10.0.0.3", 7400, 65000)); // waits, and ranks above the srflx pair
    time.advance(ms(15)); // the next pacing slot: the triggered check goes first

    assertEquals(List.of("10.0.0.2:7400 controlling", "203.0.113.2:40000 controlling",
        "203.0.113.2:40000 controlled"), stun.sent());
    assertEquals(Optional.of(new IceControlled(TIE_BREAKER)), stun.last().request.attribute(IceControlled.class),
        "the same tie-breaker, §7.2.5.1");

    stun.last().succeed(MAPPED);
    time.advance(ms(500));
    assertFalse(stun.checks().stream().anyMatch(ScriptedStun.Check::nominates), "a controlled agent never nominates");
    assertFalse(s.isOver());

    s.checkReceived(REMOTE_SRFLX.address(), REMOTE_SRFLX.priority(), true, null);
    IceResult r = selected(s);
    assertFalse(r.controlling());
    assertEquals(REMOTE_SRFLX, r.remote());
  }

  @Test
  void aRoleConflictAnsweredAfterTheRoleChangedStillChecksThePairAgain() {
    IceSession s = checking(true, REMOTE_HOST, REMOTE_SRFLX);
    time.advance(PACING);
    // The peer's check told this agent to switch (§7.3.1.1) while both checks were out.
    // (its tie-breaker loses to a controlling peer's of all ones)
    assertEquals(RoleConflict.SWITCH, s.resolveConflict(true, -1L));
    stun.check(0).error(ErrorCode.ROLE_CONFLICT); // to the check sent as controlling
    time.runDue();

    assertFalse(s.controlling(), "the agent does not switch back");
    assertEquals("host /10.0.0.2:7400 waiting", s.record().pairs().get(0),
        "§7.2.5.1: the pair goes back to Waiting, into the triggered-check queue");
    time.advance(PACING);
    assertEquals("10.0.0.2:7400 controlled", stun.last().toString());
  }

  static Stream<Arguments> nominationOrders() {
    return Stream.of(
        Arguments.of("our check succeeds, then the peer nominates", true),
        Arguments.of("the peer nominates, then our check succeeds", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nominationOrders")
  void theControlledAgentSelectsThePairThePeerNominated(String name, boolean succeedFirst) {
    IceSession s = checking(false, REMOTE_HOST, REMOTE_SRFLX);
    assertEquals(List.of("10.0.0.2:7400 controlled"), stun.sent());
    time.advance(ms(10));

    if (succeedFirst) {
      stun.check(0).succeed(MAPPED);
      time.runDue();
      assertFalse(s.isOver(), "a valid pair is not selected until the peer nominates it");
      time.advance(ms(5));
      s.checkReceived(REMOTE_HOST.address(), REMOTE_HOST.priority(), true, null);
    } else {
      s.checkReceived(REMOTE_HOST.address(), REMOTE_HOST.priority(), true, null);
      assertFalse(s.isOver(), "a nominated pair is not selected until its own check succeeds");
      time.advance(ms(5));
      stun.check(0).succeed(MAPPED);
      time.runDue();
    }

    IceResult r = selected(s);
    assertEquals(REMOTE_HOST, r.remote());
    assertFalse(r.controlling());
    assertEquals(ms(15), r.elapsed());
    assertEquals(List.of("host /10.0.0.2:7400 succeeded nominated", "srflx /203.0.113.2:40000 waiting"),
        s.record().pairs());
  }

  @Test
  void aNominationWithoutAnswerMovesToTheNextValidPair() {
    IceSession s = bothPairsValidAndHostNominated();

    time.advance(GIVE_UP.minus(ms(1)));
    assertEquals(3, stun.checks().size());
    time.advance(ms(1));

    nominatedThenSelected(s, REMOTE_SRFLX);
    assertEquals(List.of("host /10.0.0.2:7400 failed", "srflx /203.0.113.2:40000 succeeded nominated"),
        s.record().pairs());
  }

  @Test
  void aNominationAnsweredWithAnErrorMovesToTheNextValidPair() {
    IceSession s = bothPairsValidAndHostNominated();

    stun.last().error(ErrorCode.SERVER_ERROR);
    time.runDue();

    nominatedThenSelected(s, REMOTE_SRFLX);
  }

  @Test
  void aNominationWhoseAnswerLacksTheMappedAddressMovesToTheNextValidPair() {
    IceSession s = bothPairsValidAndHostNominated();

    stun.last().succeedWithoutMappedAddress();
    time.runDue();

    nominatedThenSelected(s, REMOTE_SRFLX);
  }

  @Test
  void theSessionFailsAtItsDeadlineAndStopsChecking() {
    IceSession s = checking(true, REMOTE_HOST);
    time.advance(DEADLINE.minus(ms(50)));
    assertEquals("host /10.0.0.2:7400 failed", s.record().pairs().get(0));
    assertFalse(s.isOver(), "the peer has not said it is done: more candidates may come");
    s.addRemote(REMOTE_SRFLX);
    time.advance(PACING);
    ScriptedStun.Check late = stun.last();
    assertEquals("203.0.113.2:40000 controlling", late.toString());

    time.advance(ms(29));
    assertFalse(s.isOver(), "1 ms before the deadline");
    time.advance(ms(1));

    assertEquals("no pair worked within 5000 ms", failure(s).getMessage());
    assertTrue(late.answer.isCancelled(), "the check in flight is abandoned");
    assertEquals("failed", s.record().state());
    assertEquals("no pair worked within 5000 ms", s.record().detail());
    assertEquals(0, time.pending(), "no pacing, no deadline, no give-up left to run");
    s.addRemote(host("10.0.0.3", 7400, 100));
    assertEquals(2, s.record().pairs().size(), "a failed session takes no more candidates");
    time.advance(ms(1000));
    assertEquals(2, stun.checks().size(), "a failed session sends no more checks");
  }

  @Test
  void whenEveryPairFailedAndThePeerIsDoneTheSessionFailsAtOnce() {
    IceSession s = checking(true, REMOTE_HOST, REMOTE_SRFLX);
    s.remoteGatheringDone();
    time.advance(PACING);

    time.advance(GIVE_UP.minus(ms(1)));
    assertFalse(s.isOver(), "the srflx check has 1 ms left");
    time.advance(ms(1));

    assertEquals("every pair failed its checks (2 pairs)", failure(s).getMessage());
    assertEquals(PACING.plus(GIVE_UP), time.elapsed(), "long before the deadline");
  }

  @Test
  void aPeerThatGaveNoCandidatesFailsTheSessionWhenItIsDone() {
    IceSession s = checking(true);
    s.remoteGatheringDone();
    assertEquals("the peer gave no candidates", failure(s).getMessage());
  }

  @Test
  void aCheckFromAnUnknownAddressIsAPeerReflexivePairCheckedBackFirst() {
    IceSession s = checking(true, REMOTE_HOST, REMOTE_SRFLX);
    InetSocketAddress from = new InetSocketAddress("192.0.2.9", 5000);
    // By priority alone this pair would be checked last.
    s.checkReceived(from, 1, false, null);
    time.advance(PACING);

    assertEquals(List.of("10.0.0.2:7400 controlling", "192.0.2.9:5000 controlling"), stun.sent(),
        "the triggered check goes before the better srflx pair that waits");
    assertEquals("prflx /192.0.2.9:5000 in_progress", s.record().pairs().get(2));
  }

  @Test
  void aPeerCannotMakeTheSessionCheckMoreThanMaxPairs() {
    IceSession s = checking(true);
    IntStream.range(0, IceSession.MAX_PAIRS + 5)
        .forEach(i -> s.addRemote(host("10.1.0." + i, 7400, 1000 + i)));
    s.checkReceived(new InetSocketAddress("192.0.2.9", 5000), 1, false, null);

    assertEquals(IceSession.MAX_PAIRS, s.record().pairs().size());
  }

  /** An upgrade's session pairs no relayed candidate of the peer's either: a relay is no upgrade. */
  @Test
  void aSessionThatPairsNoRelaysTakesNoRelayedCandidateOfThePeers() {
    IceSession s = new IceSession("sess2", PEER, true, "locl", "localpasswordlocalpasswd", TIE_BREAKER, stun,
        time, time.clock(), new IceSession.Settings(PACING, CHECKS, NOMINATION_DELAY, DEADLINE, RELAY_NOMINATION_DELAY),
        signals::add);
    s.pairNoRelays();
    s.addLocal(LOCAL);
    s.remoteCredentials("rmte", "remotepasswordremotepass");
    s.addRemote(new Candidate("r1", Candidate.COMPONENT, Candidate.priority(CandidateType.RELAYED, 65535,
        Candidate.COMPONENT), new InetSocketAddress("203.0.113.30", 50000), CandidateType.RELAYED, Optional.empty()));
    s.addRemote(host("10.1.0.1", 7400, 1000));

    assertEquals(1, s.record().pairs().size(), "the host pair only");
  }

  @Test
  void aPeerCannotAimChecksAtAddressesNoPeerCanBeAt() {
    IceSession s = checking(true);
    String[] nowhere = {"0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::", "::1",
        "ff02::1", "fd6d:6163:756c:6100::7"};
    for (String address : nowhere) {
      s.addRemote(new Candidate("x1", Candidate.COMPONENT, 1000, new InetSocketAddress(address, 7400),
          CandidateType.HOST, Optional.empty()));
    }
    assertEquals(List.of(), s.record().pairs());
    assertEquals(nowhere.length, s.refusedCandidates());
  }

  @Test
  void checksWaitForThePeersCredentials() {
    IceSession s = new IceSession("sess1", PEER, true, "locl", "localpasswordlocalpasswd", TIE_BREAKER, stun, time,
        time.clock(), new IceSession.Settings(PACING, CHECKS, NOMINATION_DELAY, DEADLINE, RELAY_NOMINATION_DELAY),
        signals::add);
    s.addLocal(LOCAL);
    s.addRemote(REMOTE_HOST);
    s.start();
    time.advance(ms(100));
    assertEquals(List.of(), stun.sent(), "a check needs the peer's password for its MESSAGE-INTEGRITY");

    s.remoteCredentials("rmte", "remotepasswordremotepass");
    time.advance(PACING);
    assertEquals(List.of("10.0.0.2:7400 controlling"), stun.sent());
  }

  @Test
  void theRelayedCandidateIsPairedWithEveryRemoteOneAndChecksFromItGoThroughTheRelayOncePermitted() {
    List<java.net.InetAddress> permitted = new ArrayList<>();
    CompletableFuture<Void> permission = new CompletableFuture<>();
    IceSession s = checking(true, REMOTE_SRFLX);
    s.addRelay(new IceSession.Relay(RELAYED, CARRIER, ip -> {
      permitted.add(ip);
      return permission;
    }));
    assertTrue(signals.stream().anyMatch(x -> x instanceof IceSignal.Trickle t && t.candidate().equals(RELAYED)),
        "the relayed candidate is trickled to the peer");
    stun.check(0).error(ErrorCode.UNAUTHENTICATED); // the pair from the socket fails
    time.runDue();
    time.advance(PACING);
    assertEquals(List.of(REMOTE_SRFLX.address().getAddress()), permitted, "the peer's address is permitted first");
    assertEquals(1, stun.checks().size(), "no check through the relay before the server lets the peer answer");
    permission.complete(null);
    assertEquals("203.0.113.2:40000 controlling via relay", stun.last().toString());
    assertEquals(List.of("srflx /203.0.113.2:40000 failed",
        "from relay /192.0.2.50:50000 to srflx /203.0.113.2:40000 in_progress"), s.record().pairs());
  }

  @Test
  void theRelayedCandidateIsNotPairedWithAPrivateHostCandidate() {
    IceSession s = checking(true, REMOTE_HOST, REMOTE_SRFLX);
    s.addRelay(new IceSession.Relay(RELAYED, CARRIER, ip -> CompletableFuture.completedFuture(null)));
    s.addRemote(host("100.64.1.2", 7400, 100)); // a carrier-grade NAT's shared range: private too
    s.addRemote(host("192.0.2.77", 7400, 90)); // a public host candidate: a peer with no NAT
    // A reflexive address from a STUN server inside a private network is no better.
    s.addRemote(new Candidate("s2", Candidate.COMPONENT, 1000, new InetSocketAddress("172.16.5.5", 7400),
        CandidateType.SERVER_REFLEXIVE, Optional.empty()));
    assertEquals(List.of("host /10.0.0.2:7400 in_progress", "srflx /203.0.113.2:40000 waiting",
        "from relay /192.0.2.50:50000 to srflx /203.0.113.2:40000 waiting", "host /100.64.1.2:7400 waiting",
        "host /192.0.2.77:7400 waiting", "from relay /192.0.2.50:50000 to host /192.0.2.77:7400 waiting",
        "srflx /172.16.5.5:7400 waiting"), s.record().pairs());
  }

  @Test
  void aRelayedPairIsNominatedOnlyAfterTheRelayDelayWhileADirectOneMayStillSucceed() {
    IceSession s = relayedAndDirectChecking();
    stun.check(1).succeed(MAPPED); // the relayed pair, first
    time.runDue();
    time.advance(RELAY_NOMINATION_DELAY.minus(ms(1)));
    assertEquals(2, stun.checks().size(), "no nomination while the direct pair may still succeed");
    time.advance(ms(1));
    assertEquals("203.0.113.2:40000 controlling use-candidate via relay", stun.last().toString());
    stun.last().succeed(MAPPED);
    time.runDue();

    IceResult r = selected(s);
    assertEquals(RELAYED, r.local());
    assertEquals(Optional.of(CARRIER), r.through(), "QUIC goes through the relay too");
    assertTrue(r.relayed());
  }

  @Test
  void aDirectPairThatSucceedsDuringTheRelayDelayIsNominatedAtOnce() {
    IceSession s = relayedAndDirectChecking();
    stun.check(1).succeed(MAPPED);
    time.runDue();
    time.advance(ms(300));
    stun.check(0).succeed(MAPPED); // the direct pair, 300 ms later
    time.runDue();
    time.advance(NOMINATION_DELAY);
    assertEquals("203.0.113.2:40000 controlling use-candidate", stun.last().toString(), "the direct pair");
    stun.last().succeed(MAPPED);
    time.runDue();
    IceResult r = selected(s);
    assertEquals(Optional.empty(), r.through());
    assertFalse(r.relayed());
  }

  @Test
  void onceEveryDirectPairFailedTheRelayedOneIsNominatedWithoutWaiting() {
    IceSession s = relayedAndDirectChecking();
    stun.check(0).error(ErrorCode.UNAUTHENTICATED);
    stun.check(1).succeed(MAPPED);
    time.runDue();
    time.advance(NOMINATION_DELAY);
    assertEquals("203.0.113.2:40000 controlling use-candidate via relay", stun.last().toString());
  }

  @Test
  void theRelayWaitEndsWhenTheLastDirectPairFails() {
    IceSession s = relayedAndDirectChecking();
    stun.check(1).succeed(MAPPED); // the relayed pair
    time.runDue();
    time.advance(ms(200));
    assertEquals(2, stun.checks().size(), "waiting for the direct pair");
    stun.check(0).error(ErrorCode.UNAUTHENTICATED); // which fails: nothing left to wait for
    time.runDue();
    assertEquals("203.0.113.2:40000 controlling use-candidate via relay", stun.last().toString());
  }

  @Test
  void aRelayedCheckInFlightIsAbandonedWithTheSession() {
    IceSession s = relayedAndDirectChecking();
    stun.check(0).succeed(MAPPED);
    time.runDue();
    time.advance(NOMINATION_DELAY);
    stun.last().succeed(MAPPED);
    time.runDue();
    assertFalse(selected(s).relayed());
    assertTrue(stun.check(1).answer.isCancelled(), "the check through the relay stops its retransmissions");
  }

  @Test
  void aPairLearntFromACheckTakesTheTypeOfTheCandidateTrickledLater() {
    IceSession s = checking(true);
    InetSocketAddress peerRelayed = new InetSocketAddress("192.0.2.60", 50001);
    s.checkReceived(peerRelayed, 1000, false, null); // the peer's check from its relayed address, first
    assertEquals(List.of("prflx /192.0.2.60:50001 waiting"), s.record().pairs());
    s.addRemote(new Candidate("r2", Candidate.COMPONENT,
        Candidate.priority(CandidateType.RELAYED, 65535, Candidate.COMPONENT), peerRelayed, CandidateType.RELAYED,
        Optional.empty()));
    assertEquals(List.of("relay /192.0.2.60:50001 waiting"), s.record().pairs(), "a relayed pair after all");
  }

  @Test
  void aCheckThatCameThroughTheRelayIsAPairOfTheRelayedCandidate() {
    IceSession s = checking(false, REMOTE_SRFLX);
    s.addRelay(new IceSession.Relay(RELAYED, CARRIER, ip -> CompletableFuture.completedFuture(null)));
    InetSocketAddress from = new InetSocketAddress("203.0.113.9", 41000);
    s.checkReceived(from, 1000, false, CARRIER);
    assertTrue(s.record().pairs().contains("from relay /192.0.2.50:50000 to prflx /203.0.113.9:41000 waiting"),
        s.record().pairs().toString());
    int pairs = s.record().pairs().size();
    s.checkReceived(new InetSocketAddress("203.0.113.10", 41000), 1000, false, carrier("another relay"));
    assertEquals(pairs, s.record().pairs().size(), "a check through a carrier not this session's makes no pair");
  }

  /**
   * A controlling session with one remote candidate, checked from the socket (check 0) and from
   * the relayed candidate (check 1, already sent).
   */
  private IceSession relayedAndDirectChecking() {
    IceSession s = checking(true, REMOTE_SRFLX);
    s.addRelay(new IceSession.Relay(RELAYED, CARRIER, ip -> CompletableFuture.completedFuture(null)));
    time.advance(PACING);
    assertEquals(List.of("203.0.113.2:40000 controlling", "203.0.113.2:40000 controlling via relay"), stun.sent());
    return s;
  }

  // --- helpers

  /** The latest check is the nomination of {@code remote}'s pair, and its success selects that pair. */
  private void nominatedThenSelected(IceSession s, Candidate remote) {
    assertEquals(remote.address().getAddress().getHostAddress() + ":" + remote.address().getPort()
        + " controlling use-candidate", stun.last().toString());
    stun.last().succeed(MAPPED);
    time.runDue();
    assertEquals(remote, selected(s).remote());
  }

  private IceSession bothPairsValidAndHostNominated() {
    IceSession s = checking(true, REMOTE_HOST, REMOTE_SRFLX);
    time.advance(PACING);
    stun.check(0).succeed(MAPPED);
    stun.check(1).succeed(MAPPED);
    time.runDue();
    assertEquals("10.0.0.2:7400 controlling use-candidate", stun.last().toString());
    assertEquals(3, stun.checks().size());
    return s;
  }

  /** A started session that knows the peer's credentials and candidates; what is due at once has run. */
  private IceSession checking(boolean controlling, Candidate... remotes) {
    IceSession s = new IceSession("sess1", PEER, controlling, "locl", "localpasswordlocalpasswd", TIE_BREAKER, stun,
        time, time.clock(), new IceSession.Settings(PACING, CHECKS, NOMINATION_DELAY, DEADLINE, RELAY_NOMINATION_DELAY),
        signals::add);
    s.addLocal(LOCAL);
    s.remoteCredentials("rmte", "remotepasswordremotepass");
    for (Candidate c : remotes) {
      s.addRemote(c);
    }
    s.start();
    time.runDue();
    return s;
  }

  /** The session's result; never blocks, so a stalled session fails the test instead of hanging it. */
  private static IceResult selected(IceSession s) {
    assertTrue(s.isOver(), "the session has ended");
    return s.result().join();
  }

  private static IceFailedException failure(IceSession s) {
    assertTrue(s.isOver(), "the session has ended");
    CompletionException e = assertThrows(CompletionException.class, () -> s.result().join());
    return assertInstanceOf(IceFailedException.class, e.getCause());
  }

  private static Candidate host(String ip, int port, int localPreference) {
    return new Candidate("h" + Integer.toHexString(ip.hashCode() & 0xffff), Candidate.COMPONENT,
        Candidate.priority(CandidateType.HOST, localPreference, Candidate.COMPONENT),
        new InetSocketAddress(ip, port), CandidateType.HOST, Optional.empty());
  }

  /** A relay's carrier, which sends nothing itself: the scripted STUN client takes the checks. */
  private static PacketCarrier carrier(String name) {
    return new PacketCarrier() {
      @Override
      public void send(InetSocketAddress peer, java.nio.ByteBuffer packet) {
        throw new AssertionError("the scripted STUN client sends the checks");
      }

      @Override
      public String describe() {
        return name;
      }

      @Override
      public io.macula.nat.api.PathKind kind() {
        return io.macula.nat.api.PathKind.TURN;
      }
    };
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
