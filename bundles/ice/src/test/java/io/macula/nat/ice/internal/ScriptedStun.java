package io.macula.nat.ice.internal;

import io.macula.nat.stun.api.BindingResult;
import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.IceControlled;
import io.macula.nat.stun.api.IceControlling;
import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunClient;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunRequestHandler;
import io.macula.nat.stun.api.StunServerAddress;
import io.macula.nat.stun.api.StunStatistics;
import io.macula.nat.stun.api.StunTransactionException;
import io.macula.nat.stun.api.UseCandidate;
import io.macula.nat.stun.api.XorMappedAddress;
import io.macula.nat.testing.ManualScheduler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The peer's end of the connectivity checks, as the test plays it: each check a session sends
 * waits for the test's answer, and gives up when the check's retransmission schedule runs out on
 * the test's scheduler, as a transaction of the real client does (RFC 8489 §6.2.1). The network
 * and the peer are outside the unit under test; everything of the session's own is real.
 */
final class ScriptedStun implements StunClient {
  private final ManualScheduler time;
  private final List<Check> checks = new ArrayList<>();

  ScriptedStun(ManualScheduler time) {
    this.time = time;
  }

  /** One check a session sent, and the answer the test gives it. */
  static final class Check {
    final InetSocketAddress to;
    final StunMessage request;
    /** Whether it went through a relay (from this node's relayed candidate), not from the socket. */
    final boolean relayed;
    final CompletableFuture<StunMessage> answer = new CompletableFuture<>();

    Check(InetSocketAddress to, StunMessage request, boolean relayed) {
      this.to = to;
      this.request = request;
      this.relayed = relayed;
    }

    boolean nominates() {
      return request.attribute(UseCandidate.class).isPresent();
    }

    /** A success response that reflects {@code mapped}, as the peer saw the check arrive. */
    void succeed(InetSocketAddress mapped) {
      answer.complete(response(StunClass.SUCCESS_RESPONSE, List.of(new XorMappedAddress(mapped))));
    }

    /** A success response without the XOR-MAPPED-ADDRESS every Binding response has. */
    void succeedWithoutMappedAddress() {
      answer.complete(response(StunClass.SUCCESS_RESPONSE, List.of()));
    }

    void error(int code) {
      answer.complete(response(StunClass.ERROR_RESPONSE, List.of(new ErrorCode(code, "scripted"))));
    }

    private StunMessage response(StunClass c, List<io.macula.nat.stun.api.StunAttribute> attributes) {
      return new StunMessage(c, request.method(), request.transactionId(), attributes);
    }

    /** Where it went and how: {@code 10.0.0.2:7400 controlling use-candidate}. */
    @Override
    public String toString() {
      String role = request.attribute(IceControlling.class).isPresent() ? "controlling"
          : request.attribute(IceControlled.class).isPresent() ? "controlled" : "no role";
      return to.getAddress().getHostAddress() + ":" + to.getPort() + " " + role
          + (nominates() ? " use-candidate" : "") + (relayed ? " via relay" : "");
    }
  }

  List<Check> checks() {
    return List.copyOf(checks);
  }

  Check check(int n) {
    return checks.get(n);
  }

  Check last() {
    return checks.get(checks.size() - 1);
  }

  /** Every check so far, in the order sent. */
  List<String> sent() {
    return checks.stream().map(Check::toString).toList();
  }

  @Override
  public CompletableFuture<StunMessage> transact(
      InetSocketAddress server, StunMessage request, byte[] integrityKey, RetransmissionSchedule schedule) {
    return transact(server, request, schedule, false);
  }

  @Override
  public CompletableFuture<StunMessage> transact(InetSocketAddress server, StunMessage request, byte[] integrityKey,
      RetransmissionSchedule schedule, java.util.function.BiConsumer<InetSocketAddress, java.nio.ByteBuffer> via) {
    return transact(server, request, schedule, true);
  }

  @Override
  public boolean responseArrived(java.nio.ByteBuffer raw) {
    return false; // the test answers each check itself
  }

  private CompletableFuture<StunMessage> transact(InetSocketAddress server, StunMessage request,
      RetransmissionSchedule schedule, boolean relayed) {
    Check c = new Check(server, request, relayed);
    checks.add(c);
    ScheduledFuture<?> giveUp = time.schedule(
        () -> c.answer.completeExceptionally(new StunTransactionException(
            server, StunTransactionException.Reason.TIMED_OUT, Optional.empty(), "no answer")),
        schedule.giveUp().toNanos(), TimeUnit.NANOSECONDS);
    c.answer.whenComplete((r, e) -> giveUp.cancel(false));
    return c.answer;
  }

  @Override
  public List<StunServerAddress> servers() {
    return List.of();
  }

  @Override
  public CompletableFuture<BindingResult> binding(StunServerAddress server) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("a session sends only checks"));
  }

  @Override
  public CompletableFuture<BindingResult> binding() {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("a session sends only checks"));
  }

  @Override
  public void send(InetSocketAddress to, StunMessage message, byte[] integrityKey) {
    throw new UnsupportedOperationException("a session answers no checks itself: the agent does");
  }

  @Override
  public AutoCloseable handleRequests(StunRequestHandler handler) {
    throw new UnsupportedOperationException("a session takes no requests itself: the agent does");
  }

  @Override
  public StunStatistics statistics() {
    return new StunStatistics(checks.size(), 0, 0, 0, 0, Map.of());
  }
}
