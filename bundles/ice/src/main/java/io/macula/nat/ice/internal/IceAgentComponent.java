package io.macula.nat.ice.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.SignalListener;
import io.macula.nat.api.Signalling;
import io.macula.nat.ice.api.Candidate;
import io.macula.nat.ice.api.CandidateType;
import io.macula.nat.ice.api.IceAgent;
import io.macula.nat.ice.api.IceFailedException;
import io.macula.nat.ice.api.IceResult;
import io.macula.nat.ice.api.IceSessionRecord;
import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.IceControlled;
import io.macula.nat.stun.api.IceControlling;
import io.macula.nat.stun.api.NatDiscovery;
import io.macula.nat.stun.api.NatInfo;
import io.macula.nat.stun.api.Priority;
import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.StunAttribute;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunClient;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunParseException;
import io.macula.nat.stun.api.UnknownAttributes;
import io.macula.nat.stun.api.UseCandidate;
import io.macula.nat.stun.api.Username;
import io.macula.nat.stun.api.XorMappedAddress;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.PacketCarrier;
import io.macula.nat.transport.api.TransportPath;
import io.macula.nat.turn.api.RelayedAddress;
import io.macula.nat.turn.api.TurnRelay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The node's ICE agent: sessions with peers, their signalling through the hub, and the answers to
 * the peers' connectivity checks that reach the shared socket.
 */
@Component(service = {IceAgent.class, SignalListener.class}, configurationPid = IceAgentComponent.PID, immediate = true)
@Designate(ocd = IceAgentComponent.Config.class)
public final class IceAgentComponent implements IceAgent, SignalListener {
  static final String PID = "io.macula.nat.ice";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ICE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  private static final int HISTORY = 50;
  private static final Duration LINGER = Duration.ofSeconds(30);
  /** Sessions at once, lingering ones included: peers cannot make this node hold more. */
  private static final int MAX_SESSIONS = 256;
  static final int MAX_SESSIONS_PER_PEER = 4;
  /** Offers a peer may make: a few at once, then one every few seconds (a connect makes one). */
  static final int OFFER_BURST = 8;
  static final Duration OFFER_INTERVAL = Duration.ofSeconds(2);
  private final PeerRateLimit offers = new PeerRateLimit(OFFER_BURST, OFFER_INTERVAL, 4096, System::nanoTime);

  @ObjectClassDefinition(name = "Macula NAT ICE agent", description = "Connectivity checks with peers (RFC 8445).")
  public @interface Config {
    @AttributeDefinition(min = "5", description = "Ta: milliseconds between two checks of a session, RFC 8445 §14.2"
        + " (its least: a session checks 32 pairs at most, a few hundred bytes each).")
    long pacing__ms() default 5;

    @AttributeDefinition(min = "10", description = "RTO of a check, in ms; a check is sent 5 times, then given up.")
    long check__rto__ms() default 100;

    @AttributeDefinition(min = "0", description = "How long the controlling agent waits at most after the first valid"
        + " pair for better ones before it nominates, in ms: a better pair being checked gets twice the valid pair's"
        + " round trip and 5 ms from its check's start, one not yet checked all of it.")
    long nomination__delay__ms() default 40;

    @AttributeDefinition(min = "500", description = "How long a session may check before it fails, in ms.")
    long deadline__ms() default 10_000;

    @AttributeDefinition(min = "0", description = "How long the controlling agent waits after a pair through a TURN"
        + " server is valid for one without, while any may still succeed, before it nominates the relayed one, in ms.")
    long relay__nomination__delay__ms() default 1000;

    @AttributeDefinition(min = "0", description = "How long gathering waits for this node's relayed address on its"
        + " TURN server (none is gathered if it is not had by then), in ms; 0 gathers no relayed candidate.")
    long relay__gathering__ms() default 2000;
  }

  private final Logger log;
  private final StunClient stun;
  private final Endpoint endpoint;
  private final IceSession.Settings settings;
  private final ScheduledExecutorService thread;
  private final AutoCloseable requests;
  private final AutoCloseable carriedChecks;
  private final Duration relayGathering;
  private final Map<String, IceSession> byId = new ConcurrentHashMap<>();
  private final Map<String, IceSession> byUfrag = new ConcurrentHashMap<>();
  private final Deque<IceSession> history = new ArrayDeque<>(); // guarded by itself
  private final LongAdder malformedSignals = new LongAdder();
  private final LongAdder refusedOffers = new LongAdder();
  private final LongAdder checksAnswered = new LongAdder();
  private final LongAdder checksRefused = new LongAdder();
  private final LongAdder malformedCarried = new LongAdder();
  private final java.util.Set<java.util.function.Consumer<IceResult>> selectedListeners = ConcurrentHashMap.newKeySet();

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile Signalling signalling;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile NatDiscovery discovery;

  /** The node's TURN client, for a relayed candidate. */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile TurnRelay turn;

  @Activate
  public IceAgentComponent(Config config, @Reference StunClient stun, @Reference Endpoint endpoint,
      @Reference(service = LoggerFactory.class) Logger log) {
    this.log = log;
    this.stun = stun;
    this.endpoint = endpoint;
    this.settings = new IceSession.Settings(
        Duration.ofMillis(positive(config.pacing__ms(), 5, "pacing_ms")),
        new RetransmissionSchedule(Duration.ofMillis(positive(config.check__rto__ms(), 10, "check_rto_ms")), 5, 8),
        Duration.ofMillis(positive(config.nomination__delay__ms(), 0, "nomination_delay_ms")),
        Duration.ofMillis(positive(config.deadline__ms(), 500, "deadline_ms")),
        Duration.ofMillis(positive(config.relay__nomination__delay__ms(), 0, "relay_nomination_delay_ms")));
    this.relayGathering = Duration.ofMillis(positive(config.relay__gathering__ms(), 0, "relay_gathering_ms"));
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nat-ice");
      t.setDaemon(true);
      return t;
    });
    this.requests = stun.handleRequests((from, request, raw) ->
        checkArrived(from, request, raw, null, (response, key) -> respond(from, request, key, response)));
    this.carriedChecks = endpoint.handleCarriedStun(this::carried);
  }

  private static long positive(long value, long min, String key) {
    if (value < min) {
      throw new IllegalArgumentException(PID + ": key '" + key + "' must be at least " + min + ", not " + value);
    }
    return value;
  }

  @Deactivate
  void deactivate() throws Exception {
    requests.close();
    carriedChecks.close();
    thread.shutdownNow();
    byId.values().forEach(s -> s.result().completeExceptionally(new IceFailedException("the ICE agent stopped")));
  }

  @Override
  public CompletableFuture<IceResult> connect(NodeId peer) {
    return connect(peer, true);
  }

  @Override
  public CompletableFuture<IceResult> connect(NodeId peer, boolean relays) {
    Signalling h = signalling;
    if (h == null || !h.isConnected()) {
      return CompletableFuture.failedFuture(new IceFailedException("no hub session to signal through"));
    }
    IceSession session = newSession(token(16), peer, true);
    CompletableFuture<IceResult> out = new CompletableFuture<>();
    session.result().whenComplete((r, e) -> {
      if (e == null) {
        out.complete(r);
      } else {
        out.completeExceptionally(e);
      }
    });
    out.whenComplete((r, e) -> {
      if (e instanceof CancellationException) {
        thread.execute(() -> {
          session.fail("cancelled");
          send(peer, new IceSignal.Bye(session.id));
        });
      }
    });
    thread.execute(() -> {
      send(peer, new IceSignal.Offer(session.id, session.localUfrag, session.localPwd, session.tieBreaker, relays));
      gather(session, relays);
      session.start();
    });
    return out;
  }

  private IceSession newSession(String id, NodeId peer, boolean controlling) {
    IceSession s = new IceSession(id, peer, controlling, token(8), token(24), RANDOM.nextLong(), stun, thread,
        java.time.Clock.systemUTC(), settings, sig -> send(peer, sig));
    byId.put(id, s);
    byUfrag.put(s.localUfrag, s);
    synchronized (history) {
      history.addFirst(s);
      while (history.size() > HISTORY) {
        history.removeLast();
      }
    }
    s.result().whenComplete((r, e) -> {
      if (e == null) {
        log.info("ICE with {}: {} in {} ms", peer.shortForm(), r.remote().toSdp(), r.elapsed().toMillis());
        selectedListeners.forEach(l -> thread.execute(() -> l.accept(r)));
      } else {
        log.info("ICE with {} failed: {}", peer.shortForm(), e.getMessage());
      }
      // The peer may still check or nominate for a while: keep answering, then forget.
      thread.schedule(() -> {
        byId.remove(id, s);
        byUfrag.remove(s.localUfrag, s);
      }, LINGER.toMillis(), TimeUnit.MILLISECONDS);
    });
    return s;
  }

  /**
   * Host candidates at once, then the server-reflexive one and the relayed one (unless the
   * session pairs none), each trickled as it is known; the end of candidates once both are known
   * or given up on.
   */
  private void gather(IceSession session, boolean relays) {
    if (!relays) {
      session.pairNoRelays();
    }
    List<Candidate> hosts = localCandidates();
    hosts.forEach(session::addLocal);
    Optional<InetSocketAddress> mapped = Optional.ofNullable(discovery).flatMap(NatDiscovery::current)
        .flatMap(NatInfo::mapped);
    CompletableFuture<Optional<InetSocketAddress>> srflx = mapped.isPresent()
        ? CompletableFuture.completedFuture(mapped)
        : stun.binding().thenApply(b -> Optional.of(b.mapped())).exceptionally(e -> Optional.empty());
    CompletableFuture<Void> reflexive = srflx.thenAcceptAsync(m -> {
      if (m.isPresent() && hosts.stream().noneMatch(h -> h.address().equals(m.get()))) {
        session.addLocal(new Candidate("s" + Integer.toHexString(m.get().getAddress().hashCode() & 0xffff),
            Candidate.COMPONENT, Candidate.priority(CandidateType.SERVER_REFLEXIVE, 65535, Candidate.COMPONENT),
            m.get(), CandidateType.SERVER_REFLEXIVE,
            Optional.of(hosts.isEmpty() ? endpoint.localAddress() : hosts.get(0).address())));
      }
    }, thread);
    CompletableFuture<Void> relayed = (relays ? relayedAddress() : CompletableFuture.<Optional<RelayedAddress>>completedFuture(
        Optional.empty())).thenAcceptAsync(r -> r.ifPresent(a -> {
      a.deliverTo(endpoint); // checks and QUIC that peers send to it reach this node
      Candidate c = new Candidate("r" + Integer.toHexString(a.relayed().hashCode() & 0xffff), Candidate.COMPONENT,
          Candidate.priority(CandidateType.RELAYED, 65535, Candidate.COMPONENT), a.relayed(), CandidateType.RELAYED,
          Optional.of(a.relayed()));
      session.addRelay(new IceSession.Relay(c, a, ip -> a.permit(List.of(ip))));
    }), thread);
    CompletableFuture.allOf(reflexive, relayed).whenCompleteAsync((ok, e) -> session.localGatheringDone(), thread);
  }

  /** This node's relayed address on its TURN server, if it has one or gets one soon; never fails. */
  private CompletableFuture<Optional<RelayedAddress>> relayedAddress() {
    TurnRelay relay = turn;
    if (relay == null || relayGathering.isZero()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return relay.relayedAddress().thenApply(Optional::of)
        .completeOnTimeout(Optional.empty(), relayGathering.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionally(e -> Optional.empty());
  }

  @Override
  public AutoCloseable onSelected(java.util.function.Consumer<IceResult> listener) {
    selectedListeners.add(listener);
    return () -> selectedListeners.remove(listener);
  }

  @Override
  public List<Candidate> localCandidates() {
    InetSocketAddress bound = endpoint.localAddress();
    List<InetAddress> addresses = new ArrayList<>();
    if (!bound.getAddress().isAnyLocalAddress()) {
      addresses.add(bound.getAddress());
    } else {
      try {
        for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
          if (n.isUp() && !n.isLoopback()) {
            n.inetAddresses().filter(a -> a instanceof Inet4Address).forEach(addresses::add);
          }
        }
      } catch (SocketException e) {
        log.warn("cannot list the network interfaces: {}", e.getMessage());
      }
    }
    List<Candidate> out = new ArrayList<>();
    for (int i = 0; i < addresses.size(); i++) {
      InetAddress a = addresses.get(i);
      out.add(new Candidate("h" + Integer.toHexString(a.hashCode() & 0xffff), Candidate.COMPONENT,
          Candidate.priority(CandidateType.HOST, 65535 - i, Candidate.COMPONENT),
          new InetSocketAddress(a, bound.getPort()), CandidateType.HOST, Optional.empty()));
    }
    return out;
  }

  @Override
  public void signal(NodeId from, byte[] payload) {
    if (!IceSignal.isIce(payload)) {
      return; // another listener's
    }
    IceSignal s;
    try {
      s = IceSignal.decode(payload);
    } catch (IceSignal.MalformedSignal e) {
      malformedSignals.increment();
      log.debug("malformed ICE signal from {}: {}", from.shortForm(), e.getMessage());
      return;
    }
    thread.execute(() -> received(from, s));
  }

  private void received(NodeId from, IceSignal s) {
    IceSession session = byId.get(s.session());
    if (s instanceof IceSignal.Offer o) {
      if (session != null) {
        return; // a duplicate
      }
      if (!offers.allow(from)) {
        refusedOffers.increment(); // no Bye: a flood of offers gets no flood of answers
        log.debug("ICE offer from {} refused: more than {} offers at once or one every {}", from.shortForm(),
            OFFER_BURST, OFFER_INTERVAL);
        return;
      }
      if (byId.size() >= MAX_SESSIONS) {
        refusedOffers.increment();
        log.warn("ICE offer from {} refused: {} sessions already", from.shortForm(), byId.size());
        return;
      }
      // One peer cannot take the table: a few sessions running at once with any one peer. The
      // peer hears so at once, and does not wait out its timeout.
      if (byId.values().stream().filter(x -> x.peer.equals(from) && !x.isOver()).count() >= MAX_SESSIONS_PER_PEER) {
        refusedOffers.increment();
        log.debug("ICE offer from {} refused: {} sessions with it already", from.shortForm(), MAX_SESSIONS_PER_PEER);
        send(from, new IceSignal.Bye(o.session()));
        return;
      }
      IceSession joined = newSession(o.session(), from, false);
      joined.remoteCredentials(o.ufrag(), o.pwd());
      send(from, new IceSignal.Answer(joined.id, joined.localUfrag, joined.localPwd, joined.tieBreaker));
      gather(joined, o.relays());
      joined.start();
      return;
    }
    if (session == null || !session.peer.equals(from)) {
      return; // not a session of this node with that peer: a stale or forged signal
    }
    if (s instanceof IceSignal.Answer a) {
      session.remoteCredentials(a.ufrag(), a.pwd());
    } else if (s instanceof IceSignal.Trickle t) {
      session.addRemote(t.candidate());
    } else if (s instanceof IceSignal.End) {
      session.remoteGatheringDone();
    } else if (s instanceof IceSignal.Bye) {
      session.fail("the peer ended the session");
    }
  }

  private void send(NodeId peer, IceSignal s) {
    Signalling h = signalling;
    if (h == null) {
      return;
    }
    try {
      h.signal(peer, IceSignal.encode(s));
    } catch (RuntimeException e) {
      log.debug("ICE signal to {} not sent: {}", peer.shortForm(), e.toString());
    }
  }

  /** How an answer to a check goes back: from the socket, or through the relay it came through. */
  @FunctionalInterface
  private interface Answer {
    void send(StunMessage response, byte[] key);
  }

  /**
   * A STUN message a carrier brought (I/O thread): a check a peer sent to this node's relayed
   * address, answered back through it, or the answer to one this node sent from there.
   */
  private void carried(TransportPath.Carried path, ByteBuffer message) {
    ByteBuf b = Unpooled.wrappedBuffer(message.duplicate());
    StunMessage m;
    try {
      m = StunCodec.looksLikeStun(b) ? StunCodec.decode(b) : null;
    } catch (StunParseException e) {
      m = null;
    }
    if (m == null) {
      malformedCarried.increment();
      return;
    }
    if (m.messageClass() == StunClass.SUCCESS_RESPONSE || m.messageClass() == StunClass.ERROR_RESPONSE) {
      stun.responseArrived(message);
      return;
    }
    if (m.messageClass() != StunClass.REQUEST) {
      return;
    }
    StunMessage request = m;
    checkArrived(path.peer(), request, message, path.carrier(), (response, key) -> {
      ByteBuf out = StunCodec.encode(ByteBufAllocator.DEFAULT, response, key, false, true);
      try {
        path.carrier().send(path.peer(), out.nioBuffer());
      } catch (RuntimeException e) {
        log.debug("no answer through {} to the check from {}: {}", path.carrier(), path.peer(), e.toString());
      } finally {
        out.release();
      }
    });
  }

  /**
   * A connectivity check reached the socket or came {@code through} a carrier, this node's relayed
   * address (I/O thread): answered at once, RFC 8445 §7.3, the way it came, when its USERNAME names
   * one of our sessions and its MESSAGE-INTEGRITY holds.
   */
  private boolean checkArrived(InetSocketAddress from, StunMessage request, ByteBuffer raw, PacketCarrier through,
      Answer answer) {
    Optional<Username> username = request.attribute(Username.class);
    if (username.isEmpty() || request.method() != StunMessage.BINDING) {
      return false;
    }
    String name = username.get().value();
    int colon = name.indexOf(':');
    IceSession session = colon > 0 ? byUfrag.get(name.substring(0, colon)) : null;
    if (session == null) {
      return false;
    }
    if (through != null && !session.relaysThrough(through)) {
      checksRefused.increment(); // not to this session's relayed address: a success would be a lie
      return true;
    }
    byte[] key = session.localPwd.getBytes(StandardCharsets.UTF_8);
    if (!StunCodec.verifyIntegrity(Unpooled.wrappedBuffer(raw), key)) {
      checksRefused.increment();
      if (through == null) {
        // Through the relay no answer: each address answered there costs the TURN server a channel.
        answer.send(error(request, ErrorCode.UNAUTHENTICATED, "Unauthenticated"), null);
      }
      return true;
    }
    if (session.hasFailed()) {
      // A success would let the peer select a pair this side will never use: it says no, and the
      // peer's next session, checked from both sides, finds the pair both use.
      checksRefused.increment();
      answer.send(error(request, ErrorCode.BAD_REQUEST, "the session failed here"), key);
      return true;
    }
    List<Integer> unknown = StunCodec.unknownRequired(request);
    if (!unknown.isEmpty()) {
      checksRefused.increment();
      // RFC 8489 §6.3.1.1: name the comprehension-required attributes not understood.
      List<StunAttribute> why = List.of(new ErrorCode(ErrorCode.UNKNOWN_ATTRIBUTE, "Unknown Attribute"),
          new UnknownAttributes(unknown));
      answer.send(new StunMessage(StunClass.ERROR_RESPONSE, request.method(), request.transactionId(), why), key);
      return true;
    }
    Optional<IceControlling> theyControl = request.attribute(IceControlling.class);
    Optional<IceControlled> theyAreControlled = request.attribute(IceControlled.class);
    if (theyControl.isEmpty() == theyAreControlled.isEmpty()) {
      checksRefused.increment();
      answer.send(error(request, ErrorCode.BAD_REQUEST, "ICE-CONTROLLING or ICE-CONTROLLED, one"), key);
      return true;
    }
    long theirs = theyControl.map(IceControlling::value).orElseGet(() -> theyAreControlled.get().value());
    if (session.resolveConflict(theyControl.isPresent(), theirs) == RoleConflict.REJECT) {
      checksRefused.increment();
      answer.send(error(request, ErrorCode.ROLE_CONFLICT, "Role Conflict"), key);
      return true;
    }
    checksAnswered.increment();
    answer.send(new StunMessage(StunClass.SUCCESS_RESPONSE, request.method(),
        request.transactionId(), List.of(new XorMappedAddress(from))), key);
    long priority = request.attribute(Priority.class).map(Priority::value).orElse(1L);
    boolean useCandidate = request.attribute(UseCandidate.class).isPresent();
    thread.execute(() -> session.checkReceived(from, priority, useCandidate, through));
    return true;
  }

  private static StunMessage error(StunMessage request, int code, String reason) {
    List<StunAttribute> a = List.of(new ErrorCode(code, reason));
    return new StunMessage(StunClass.ERROR_RESPONSE, request.method(), request.transactionId(), a);
  }

  private void respond(InetSocketAddress to, StunMessage request, byte[] key, StunMessage response) {
    try {
      stun.send(to, response, key);
    } catch (RuntimeException e) {
      log.debug("no answer to the check from {}: {}", to, e.toString());
    }
  }

  /** The sessions whose checks this agent answers now, by the local username fragment. */
  Map<String, IceSession> liveSessions() {
    return Map.copyOf(byUfrag);
  }

  @Override
  public List<IceSessionRecord> sessions() {
    List<IceSession> all;
    synchronized (history) {
      all = List.copyOf(history);
    }
    CompletableFuture<List<IceSessionRecord>> records = CompletableFuture.supplyAsync(
        () -> all.stream().map(IceSession::record).toList(), thread);
    return records.join();
  }

  /** Random ice-chars, RFC 8445 §5.3: at least 24 bits of randomness in a ufrag, 128 in a password. */
  private static String token(int length) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(ICE_CHARS.charAt(RANDOM.nextInt(ICE_CHARS.length())));
    }
    return s.toString();
  }

  @Override
  public Map<String, Long> counters() {
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    out.put("checks-answered", checksAnswered.sum());
    out.put("checks-refused", checksRefused.sum());
    out.put("signals-malformed", malformedSignals.sum());
    out.put("offers-refused", refusedOffers.sum());
    out.put("carried-malformed", malformedCarried.sum());
    return out;
  }
}
