package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerStream;
import io.macula.nat.transport.api.ConnectionAcceptor;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.PacketCarrier;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Endpoints on loopback: QUIC both ways on one socket, identity checks, relay, path switching. */
class EndpointTest {
  private static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 0);

  private final BlockingQueue<QuicConnection> acceptedByB = new ArrayBlockingQueue<>(10);
  private final TestRelay relayHandler = new TestRelay();
  private final Map<NodeId, InetSocketAddress> relayDirectory = relayHandler.directory;
  private QuicEndpoint a;
  private QuicEndpoint b;
  private QuicEndpoint hub;

  @AfterEach
  void close() {
    for (QuicEndpoint e : new QuicEndpoint[] {a, b, hub}) {
      if (e != null) {
        e.close();
      }
    }
  }

  private QuicEndpoint endpoint(BlockingQueue<QuicConnection> accepted) throws Exception {
    return endpoint(accepted, Duration.ofSeconds(30));
  }

  private QuicEndpoint endpoint(BlockingQueue<QuicConnection> accepted, Duration idleTimeout) throws Exception {
    return endpoint(accepted, idleTimeout, PathProber.CONSENT_LIFETIME);
  }

  private QuicEndpoint endpoint(BlockingQueue<QuicConnection> accepted, Duration idleTimeout, Duration consent)
      throws Exception {
    return endpoint(accepted, idleTimeout, consent, Endpoint.PEER_PROTOCOL);
  }

  private QuicEndpoint endpoint(BlockingQueue<QuicConnection> accepted, Duration idleTimeout, Duration consent,
      String protocol) throws Exception {
    ConnectionAcceptor acceptor = c -> {
      c.onStream(EndpointTest::echoDigest);
      c.onDatagram(d -> c.sendDatagram(d));
      accepted.add(c);
    };
    return new QuicEndpoint(
        NodeIdentity.ephemeral(),
        new QuicEndpoint.Settings(ANY, idleTimeout, 16 << 20, 4 << 20, consent),
        p -> p.equals(protocol) ? Optional.of(acceptor) : Optional.empty(),
        () -> null);
  }

  /** Reads a stream to its end and answers with the SHA-256 of what it read. */
  private static void echoDigest(PeerStream s) {
    try (s) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[65536];
      InputStream in = s.input();
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
      OutputStream out = s.output();
      out.write(sha.digest());
      out.close();
    } catch (Exception e) {
      e.printStackTrace();
      throw new AssertionError(e);
    }
  }

  private static InetSocketAddress loopback(Endpoint e) {
    return new InetSocketAddress("127.0.0.1", e.localAddress().getPort());
  }

  @Test
  void aConnectionCarriesStreamsAndDatagramsBothWays() throws Exception {
    a = endpoint(new ArrayBlockingQueue<>(10));
    b = endpoint(acceptedByB);

    QuicConnection c = a.connect(b.localId(), new TransportPath.Direct(loopback(b)), Endpoint.PEER_PROTOCOL)
        .get(10, TimeUnit.SECONDS);
    QuicConnection atB = acceptedByB.poll(10, TimeUnit.SECONDS);

    assertEquals(b.localId(), c.peer());
    assertEquals(a.localId(), atB.peer(), "B learns who A is from the handshake");
    assertArrayEquals(sha256(transfer(c, 4 << 20, 1)), roundTrip(c, 4 << 20, 1));

    BlockingQueue<byte[]> echoes = new ArrayBlockingQueue<>(10);
    c.onDatagram(echoes::add);
    waitFor(() -> c.maxDatagramSize() > 1000);
    assertTrue(c.sendDatagram("ping".getBytes()));
    assertEquals("ping", new String(echoes.poll(10, TimeUnit.SECONDS)));
  }

  /**
   * An idle connection outlives its idle timeout: each side's keep-alive (a datagram of its own
   * kind, which the application never sees) restarts the other's timer. Without them it closes at the timeout.
   */
  @Test
  void anIdleConnectionOutlivesItsIdleTimeout() throws Exception {
    Duration idle = Duration.ofMillis(1500);
    a = endpoint(new ArrayBlockingQueue<>(10), idle);
    b = endpoint(acceptedByB, idle);
    QuicPeerConnection c = (QuicPeerConnection) a.connect(b.localId(), new TransportPath.Direct(loopback(b)),
        Endpoint.PEER_PROTOCOL).get(10, TimeUnit.SECONDS);
    QuicPeerConnection atB = (QuicPeerConnection) acceptedByB.poll(10, TimeUnit.SECONDS);
    BlockingQueue<byte[]> echoes = new ArrayBlockingQueue<>(10);
    c.onDatagram(echoes::add);

    // Six keep-alives from each side: four idle timeouts' worth of silence from the application.
    waitFor(() -> c.keepAlivesSent() >= 6 && atB.keepAlivesSent() >= 6);

    assertTrue(c.isOpen() && atB.isOpen());
    assertTrue(echoes.isEmpty(), "keep-alives reach no application");
    assertEquals("still here", new String(echoOf(c, "still here".getBytes(), echoes)));
    assertEquals(1, echoOf(c, new byte[] {9}, echoes).length, "one byte");
    assertEquals(0, echoOf(c, new byte[0], echoes).length, "an empty datagram is the application's too");
  }

  /**
   * RFC 7675: once the peer answered no probe on a path for the consent lifetime (here 2 s), nothing
   * but probes goes on it; what QUIC sends there is dropped and counted.
   */
  @Test
  void aPathThatLostConsentCarriesNothingButProbes() throws Exception {
    a = endpoint(new ArrayBlockingQueue<>(10), Duration.ofSeconds(30), Duration.ofSeconds(2));
    b = endpoint(acceptedByB);
    try (UdpForwarder firewall = new UdpForwarder(loopback(b))) {
      QuicConnection c = a.connect(b.localId(), new TransportPath.Direct(firewall.address()), Endpoint.PEER_PROTOCOL)
          .get(10, TimeUnit.SECONDS);
      waitFor(() -> c.maxDatagramSize() > 1000);
      assertTrue(c.sendDatagram("while it lives".getBytes()));
      assertEquals(null, a.drops().get("no-consent"));

      firewall.cut(); // a rule that drops the path's packets, both ways, and says nothing
      waitFor(() -> {
        c.sendDatagram("anyone there?".getBytes());
        return a.drops().getOrDefault("no-consent", 0L) > 0;
      });
      assertTrue(c.isOpen(), "the connection lives on, for its path policy to move it");
      assertTrue(c.pathUnansweredFor().isPresent(), "still probing");
    }
  }

  /**
   * A keep-alive asks the peer's QUIC alone: its acknowledgement counts in what this side
   * received, and the peer's application gets no datagram.
   */
  @Test
  void aKeepAliveIsAcknowledgedByThePeersQuicAndReachesNoApplication() throws Exception {
    BlockingQueue<byte[]> datagramsAtB = new ArrayBlockingQueue<>(10);
    a = endpoint(new ArrayBlockingQueue<>(10));
    b = endpoint(acceptedByB);
    QuicConnection c = a.connect(b.localId(), new TransportPath.Direct(loopback(b)), Endpoint.PEER_PROTOCOL)
        .get(10, TimeUnit.SECONDS);
    QuicConnection atB = acceptedByB.poll(10, TimeUnit.SECONDS);
    assertNotNull(atB);
    atB.onDatagram(datagramsAtB::add);
    waitFor(() -> c.maxDatagramSize() > 1000);
    // Nothing else comes back this often: the connection's own keep-alives go a third of its idle timeout apart.
    for (int i = 0; i < 5; i++) {
      long received = c.bytesReceived();
      c.keepAlive();
      waitFor(() -> c.bytesReceived() > received, Duration.ofSeconds(2));
    }
    assertTrue(c.sendDatagram("after".getBytes()));
    assertEquals("after", new String(datagramsAtB.poll(10, TimeUnit.SECONDS)), "the first datagram B's application gets");
  }

  /**
   * A hub leaves the path of a session a node opened with it to that node's probes: cut off, the
   * node's side loses consent (here after 2 s), while the hub's, sending all along, never probed,
   * so never finds the path unanswered and drops nothing for consent.
   */
  @Test
  void aHubLeavesTheProbingOfASessionsPathToTheNodeThatOpenedIt() throws Exception {
    a = endpoint(new ArrayBlockingQueue<>(10), Duration.ofSeconds(30), Duration.ofSeconds(2));
    b = endpoint(acceptedByB, Duration.ofSeconds(30), Duration.ofSeconds(2), Endpoint.HUB_PROTOCOL);
    try (UdpForwarder firewall = new UdpForwarder(loopback(b))) {
      QuicConnection c = a.connect(b.localId(), new TransportPath.Direct(firewall.address()), Endpoint.HUB_PROTOCOL)
          .get(10, TimeUnit.SECONDS);
      QuicConnection atHub = acceptedByB.poll(10, TimeUnit.SECONDS);
      assertNotNull(atHub);
      waitFor(() -> c.maxDatagramSize() > 1000 && atHub.maxDatagramSize() > 1000);

      firewall.cut();
      waitFor(() -> {
        c.sendDatagram("node".getBytes());
        atHub.sendDatagram("hub".getBytes());
        return a.drops().getOrDefault("no-consent", 0L) > 0;
      });
      assertTrue(c.pathUnansweredFor().isPresent(), "the node probes its path to the hub");
      assertEquals(Optional.empty(), atHub.pathUnansweredFor(), "the hub sent no probe");
      assertEquals(null, b.drops().get("no-consent"));
    }
  }

  /**
   * A node that closes its connection and dials again at once (as one does that moved to another
   * hub and now stands by at the one it left): the old connection's end, heard while the new
   * handshake waits for its admission, must not take away the route the new one's packets come by.
   */
  @Test
  void aConnectionDialledWhileTheOldOneEndsKeepsItsRoute() throws Exception {
    BlockingQueue<CompletableFuture<Boolean>> admissions = new ArrayBlockingQueue<>(10);
    ConnectionAcceptor acceptor = new ConnectionAcceptor() {
      @Override
      public java.util.concurrent.CompletionStage<Boolean> admission(NodeId peer) {
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        admissions.add(answer);
        return answer;
      }

      @Override
      public void accepted(QuicConnection c) {
        c.onDatagram(d -> c.sendDatagram(d));
        acceptedByB.add(c);
      }
    };
    b = new QuicEndpoint(NodeIdentity.ephemeral(), new QuicEndpoint.Settings(ANY, Duration.ofSeconds(30), 16 << 20,
        4 << 20, PathProber.CONSENT_LIFETIME), p -> Optional.of(acceptor), () -> null);
    a = endpoint(new ArrayBlockingQueue<>(10));
    CompletableFuture<QuicConnection> first =
        a.connect(b.localId(), new TransportPath.Direct(loopback(b)), Endpoint.PEER_PROTOCOL);
    admissions.poll(10, TimeUnit.SECONDS).complete(true);
    QuicConnection old = first.get(10, TimeUnit.SECONDS);
    assertNotNull(acceptedByB.poll(10, TimeUnit.SECONDS));

    CompletableFuture<QuicConnection> second =
        a.connect(b.localId(), new TransportPath.Direct(loopback(b)), Endpoint.PEER_PROTOCOL);
    CompletableFuture<Boolean> secondAdmission = admissions.poll(10, TimeUnit.SECONDS);
    assertNotNull(secondAdmission, "the second handshake reached its admission");
    old.close();
    waitFor(() -> b.connections().isEmpty()); // the old one ended at B, the new one not admitted yet
    secondAdmission.complete(true);

    QuicConnection c = second.get(10, TimeUnit.SECONDS);
    BlockingQueue<byte[]> echoes = new ArrayBlockingQueue<>(100);
    c.onDatagram(echoes::add);
    waitFor(() -> {
      c.sendDatagram("again".getBytes());
      return !echoes.isEmpty();
    }, Duration.ofSeconds(5));
    assertEquals("again", new String(echoes.poll()));
  }

  /**
   * A Retry costs the client a round trip: a new sender's Initial is answered at once (the server's
   * own Initial, padded to 1,200 bytes) while few handshakes go unproven; past {@link
   * QuicEndpoint#UNPROVEN_BEFORE_RETRY} (forged Initials from as many senders here) it gets a Retry
   * first, and then connects.
   */
  @Test
  void aNewSenderGetsARetryOnlyWhileManyHandshakesGoUnproven() throws Exception {
    a = endpoint(new ArrayBlockingQueue<>(10));
    b = endpoint(acceptedByB);
    try (UdpForwarder path = new UdpForwarder(loopback(b))) {
      a.connect(b.localId(), new TransportPath.Direct(path.address()), Endpoint.PEER_PROTOCOL).get(10, TimeUnit.SECONDS);
      assertTrue(path.fromServer.get(0) >= 1200, "no Retry: " + path.fromServer);
    }
    java.util.List<java.nio.channels.DatagramChannel> forgers = new java.util.ArrayList<>();
    try {
      for (int i = 0; i <= QuicEndpoint.UNPROVEN_BEFORE_RETRY; i++) {
        java.nio.channels.DatagramChannel forger = java.nio.channels.DatagramChannel.open().bind(ANY);
        forgers.add(forger);
        forger.send(java.nio.ByteBuffer.wrap(forgedInitial()), loopback(b));
      }
      waitFor(() -> b.tables().get("routes-unconfirmed") > QuicEndpoint.UNPROVEN_BEFORE_RETRY);
      hub = endpoint(new ArrayBlockingQueue<>(10));
      try (UdpForwarder path = new UdpForwarder(loopback(b))) {
        hub.connect(b.localId(), new TransportPath.Direct(path.address()), Endpoint.PEER_PROTOCOL)
            .get(10, TimeUnit.SECONDS);
        assertTrue(path.fromServer.get(0) < 200, "a Retry first: " + path.fromServer);
      }
    } finally {
      for (java.nio.channels.DatagramChannel f : forgers) {
        f.close();
      }
    }
  }

  /** A QUIC v1 Initial's header, an 8-byte DCID and no token, padded to 1,200 bytes of nothing that decrypts. */
  private static byte[] forgedInitial() {
    byte[] p = new byte[1200];
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(p);
    p[0] = (byte) 0xc3;
    p[1] = 0;
    p[2] = 0;
    p[3] = 0;
    p[4] = 1;
    p[5] = 8;
    p[14] = 0; // no source connection id
    p[15] = 0; // no token
    p[16] = 0x44; // a length of 1,183 (two-byte varint)
    p[17] = (byte) 0x9f;
    return p;
  }

  /**
   * Consent is the peer's own (RFC 7675): a probe carries the key both sides derive from the
   * handshake, and is answered; one from the peer's address that lacks it is neither answered nor
   * taken as an answer, and is counted.
   */
  @Test
  void aProbeWithThePairsKeyIsAnsweredAndOneWithoutIsDroppedAndCounted() throws Exception {
    a = endpoint(new ArrayBlockingQueue<>(10));
    b = endpoint(acceptedByB);
    QuicConnection c = a.connect(b.localId(), new TransportPath.Direct(loopback(b)), Endpoint.PEER_PROTOCOL)
        .get(10, TimeUnit.SECONDS);
    assertNotNull(acceptedByB.poll(10, TimeUnit.SECONDS));
    try (UdpForwarder other = new UdpForwarder(loopback(b))) {
      // The direct path, left for another, is probed at once: both sides derived the same key from
      // the handshake, so its probe is answered.
      c.switchPath(new TransportPath.Direct(other.address()));
      waitFor(() -> c.alternatives().stream().anyMatch(p -> p.roundTrip().isPresent()));
    }
    assertEquals(null, b.drops().get(DropCounters.PROBE_UNAUTHENTICATED));
    assertEquals(null, a.drops().get(DropCounters.PROBE_UNAUTHENTICATED));

    io.netty.buffer.ByteBuf forged = PathProbe.request(io.netty.buffer.ByteBufAllocator.DEFAULT,
        PathProbe.newTransaction(), new byte[ConsentKey.LENGTH]);
    a.sendRaw(loopback(b), io.netty.buffer.ByteBufUtil.getBytes(forged));
    forged.release();

    waitFor(() -> b.drops().getOrDefault(DropCounters.PROBE_UNAUTHENTICATED, 0L) == 1);
  }

  /** A datagram's echo: sent again each second until it comes (a datagram may be lost), within 10 s. */
  private static byte[] echoOf(QuicConnection c, byte[] data, BlockingQueue<byte[]> echoes) throws Exception {
    for (int i = 0; i < 10; i++) {
      assertTrue(c.sendDatagram(data));
      byte[] echo = echoes.poll(1, TimeUnit.SECONDS);
      if (echo != null) {
        return echo;
      }
    }
    throw new AssertionError("no echo within 10 s");
  }

  /**
   * Where UDP is blocked: QUIC over one TCP connection to an endpoint that takes streams, each
   * packet behind its length; the far end sees it as coming from the stream, and answers on it.
   */
  @Test
  void aConnectionOverATcpStreamCarriesDataBothWays() throws Exception {
    a = endpoint(new ArrayBlockingQueue<>(10));
    b = endpoint(acceptedByB);
    b.listenStreams();

    PacketCarrier stream = a.connectStream(loopback(b)).get(10, TimeUnit.SECONDS);
    QuicConnection c = a.connect(b.localId(), new TransportPath.Carried(stream, loopback(b)), Endpoint.PEER_PROTOCOL)
        .get(10, TimeUnit.SECONDS);
    QuicConnection atB = acceptedByB.poll(10, TimeUnit.SECONDS);

    assertEquals(a.localId(), atB.peer());
    assertTrue(atB.path() instanceof TransportPath.Carried carried && carried.kind() == PathKind.DIRECT, "" + atB.path());
    assertArrayEquals(sha256(transfer(c, 4 << 20, 1)), roundTrip(c, 4 << 20, 1));
    assertEquals(1, b.tables().get("streams"));
  }

  @Test
  void aPeerWithAnotherIdIsRefused() throws Exception {
    a = endpoint(new ArrayBlockingQueue<>(10));
    b = endpoint(acceptedByB);
    NodeId someoneElse = NodeIdentity.ephemeral().id();

    ExecutionException e = assertThrows(ExecutionException.class,
        () -> a.connect(someoneElse, new TransportPath.Direct(loopback(b)), Endpoint.PEER_PROTOCOL)
            .get(10, TimeUnit.SECONDS));

    assertInstanceOf(SSLPeerUnverifiedException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("not " + someoneElse), e.getCause().getMessage());
  }

  @Test
  void anUnknownProtocolIsNotAdmitted() throws Exception {
    a = endpoint(new ArrayBlockingQueue<>(10));
    b = endpoint(acceptedByB);

    CompletableFuture<QuicConnection> hubSession =
        a.connect(b.localId(), new TransportPath.Direct(loopback(b)), Endpoint.HUB_PROTOCOL);
    QuicConnection c = hubSession.get(10, TimeUnit.SECONDS);

    waitFor(() -> !c.isOpen());
    assertEquals(0, acceptedByB.size());
  }

  @Test
  void aPathSwitchUnderALiveTransferLosesNothing() throws Exception {
    a = endpoint(new ArrayBlockingQueue<>(10));
    b = endpoint(acceptedByB);
    hub = relay();
    relayDirectory.put(a.localId(), loopback(a));
    relayDirectory.put(b.localId(), loopback(b));
    a.trustRelay(loopback(hub), TestRelay.keyOf(a.localId()));
    b.trustRelay(loopback(hub), TestRelay.keyOf(b.localId()));
    TransportPath relayToB = new TransportPath.Relayed(loopback(hub), b.localId(), PathKind.HUB_RELAY);

    QuicConnection c = a.connect(b.localId(), relayToB, Endpoint.PEER_PROTOCOL).get(10, TimeUnit.SECONDS);
    QuicConnection atB = acceptedByB.poll(10, TimeUnit.SECONDS);
    assertEquals(PathKind.HUB_RELAY, atB.path().kind(), "B answers over the relay it was reached by");

    int size = 24 << 20;
    byte[] expected = sha256(transfer(c, size, 2));
    PeerStream s = c.openStream();
    CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(() -> readAll(s.input()));
    Random data = new Random(2);
    byte[] chunk = new byte[65536];
    for (int sent = 0; sent < size; sent += chunk.length) {
      if (sent == size / 3) {
        c.switchPath(new TransportPath.Direct(loopback(b)));
        atB.switchPath(new TransportPath.Direct(loopback(a)));
      } else if (sent == 2 * size / 3) {
        c.switchPath(relayToB);
        atB.switchPath(new TransportPath.Relayed(loopback(hub), a.localId(), PathKind.HUB_RELAY));
      }
      data.nextBytes(chunk);
      s.output().write(chunk);
    }
    s.output().close();

    assertArrayEquals(expected, answer.get(60, TimeUnit.SECONDS));
    assertTrue(c.isOpen());
    assertSame(c, a.connection(b.localId(), Endpoint.PEER_PROTOCOL).orElseThrow(), "the same connection");
    assertTrue(hub.drops().isEmpty(), hub.drops().toString());
  }

  /**
   * Through a node that relays: the peer's first packets make a route of the relay's kind, and the
   * same key trusted again (a second pair through that relay) keeps its sequence numbers, so the
   * relay's replay window takes the frames that follow.
   */
  @Test
  void aPeerRelaysPathsAreOfItsKindAndItsKeyTrustedAgainKeepsItsSequenceNumbers() throws Exception {
    a = endpoint(new ArrayBlockingQueue<>(10));
    b = endpoint(acceptedByB);
    hub = relay();
    relayDirectory.put(a.localId(), loopback(a));
    relayDirectory.put(b.localId(), loopback(b));
    a.trustRelay(loopback(hub), TestRelay.keyOf(a.localId()), PathKind.PEER_RELAY);
    b.trustRelay(loopback(hub), TestRelay.keyOf(b.localId()), PathKind.PEER_RELAY);
    QuicConnection c = a.connect(b.localId(), new TransportPath.Relayed(loopback(hub), b.localId(), PathKind.PEER_RELAY),
        Endpoint.PEER_PROTOCOL).get(10, TimeUnit.SECONDS);
    QuicConnection atB = acceptedByB.poll(10, TimeUnit.SECONDS);
    assertEquals(PathKind.PEER_RELAY, atB.path().kind(), "B answers over the relay it was reached by, of its kind");
    assertArrayEquals(sha256(transfer(c, 1 << 20, 4)), roundTrip(c, 1 << 20, 4));

    a.trustRelay(loopback(hub), TestRelay.keyOf(a.localId()).clone(), PathKind.PEER_RELAY);
    b.trustRelay(loopback(hub), TestRelay.keyOf(b.localId()).clone(), PathKind.PEER_RELAY);
    assertArrayEquals(sha256(transfer(c, 1 << 20, 5)), roundTrip(c, 1 << 20, 5));
    assertTrue(hub.drops().isEmpty(), "no frame was taken for a replay: " + hub.drops());
  }

  /**
   * Relay frames must carry the MAC of the key the relay gave: one forged from the relay's own
   * address, or sent to the relay from an address no node has, is dropped and counted, and makes
   * no route.
   */
  @Test
  void forgedRelayFramesAreDroppedAndMakeNoRoute() throws Exception {
    a = endpoint(new ArrayBlockingQueue<>(10));
    b = endpoint(acceptedByB);
    hub = relay();
    b.trustRelay(loopback(a), TestRelay.keyOf(b.localId())); // a plays the hub: frames from its address are "relayed"
    byte[] other = new byte[RelayMac.KEY_LENGTH];
    int forged = 1000;
    for (int i = 0; i < forged; i++) {
      io.netty.buffer.ByteBuf frame = io.netty.buffer.Unpooled.buffer();
      byte[] node = new byte[NodeId.LENGTH];
      new Random(i).nextBytes(node);
      RelayFrame.writeHeader(frame, RelayFrame.FROM_RELAY, i, NodeId.of(node));
      frame.writeBytes(new byte[1200]);
      RelayMac.append(other, i, frame); // a MAC, under a key that is not the relay's
      byte[] bytes = new byte[frame.readableBytes()];
      frame.readBytes(bytes);
      a.sendRaw(loopback(b), bytes);
      byte[] toRelay = bytes.clone(); // sendRaw sends the array itself, later
      toRelay[0] = (byte) RelayFrame.TO_RELAY;
      a.sendRaw(loopback(hub), toRelay); // a is registered nowhere
      if (i % 100 == 0) {
        Thread.sleep(1); // the loopback's buffers are finite
      }
    }
    // Loopback may lose a datagram now and then: nearly all must be counted.
    waitFor(() -> b.drops().getOrDefault(DropCounters.BAD_RELAY_MAC, 0L) >= forged * 0.95);
    waitFor(() -> hub.drops().getOrDefault(DropCounters.BAD_RELAY_MAC, 0L) >= forged * 0.95);
    assertEquals(0, b.routeCounts()[0], "no route from a forged frame");
  }

  /** Someone on the path who copies a node's relay frames cannot have them taken twice. */
  @Test
  void aReplayedRelayFrameIsTakenOnce() throws Exception {
    a = endpoint(new ArrayBlockingQueue<>(10));
    b = endpoint(acceptedByB);
    byte[] key = TestRelay.keyOf(b.localId());
    b.trustRelay(loopback(a), key); // a plays the hub
    NodeId source = NodeIdentity.ephemeral().id();
    byte[] first = frame(key, 0, source);
    byte[] later = frame(key, ReplayWindow.SIZE + 5, source);

    a.sendRaw(loopback(b), first);
    waitFor(() -> b.routeCounts()[0] == 1); // taken: a route for the relayed source
    for (int i = 0; i < 10; i++) {
      a.sendRaw(loopback(b), first.clone());
    }
    waitFor(() -> b.drops().getOrDefault(DropCounters.REPLAYED_RELAY_FRAME, 0L) == 10);
    assertEquals(0L, b.drops().getOrDefault(DropCounters.BAD_RELAY_MAC, 0L));

    a.sendRaw(loopback(b), later); // moves the window past the first frame
    a.sendRaw(loopback(b), first.clone());
    // Too old for the window, its 24 bits read as the next round of numbers: its MAC fails.
    waitFor(() -> b.drops().getOrDefault(DropCounters.BAD_RELAY_MAC, 0L) == 1);
    assertEquals(10L, b.drops().get(DropCounters.REPLAYED_RELAY_FRAME), "the later frame was taken");
  }

  private static byte[] frame(byte[] key, long sequence, NodeId source) {
    io.netty.buffer.ByteBuf frame = io.netty.buffer.Unpooled.buffer();
    RelayFrame.writeHeader(frame, RelayFrame.FROM_RELAY, sequence, source);
    frame.writeBytes(new byte[1200]);
    RelayMac.append(key, sequence, frame);
    byte[] bytes = new byte[frame.readableBytes()];
    frame.readBytes(bytes);
    return bytes;
  }

  @Test
  void garbageIsDroppedAndCountedWhileTheConnectionServes() throws Exception {
    a = endpoint(new ArrayBlockingQueue<>(10));
    b = endpoint(acceptedByB);
    QuicConnection c = a.connect(b.localId(), new TransportPath.Direct(loopback(b)), Endpoint.PEER_PROTOCOL)
        .get(10, TimeUnit.SECONDS);

    Random random = new Random(7);
    int sent = 100_000;
    CompletableFuture<byte[]> transfer = CompletableFuture.supplyAsync(() -> roundTrip(c, 2 << 20, 3));
    try (QuicEndpoint noise = endpoint(new ArrayBlockingQueue<>(1))) {
      for (int i = 0; i < sent; i++) {
        byte[] d = new byte[random.nextInt(1300)];
        random.nextBytes(d);
        if (d.length > 0 && random.nextInt(4) == 0) {
          d[0] = (byte) (0x40 | d[0]); // looks like QUIC
        }
        noise.sendRaw(loopback(b), d);
        if (i % 1000 == 0) {
          Thread.sleep(1); // the loopback's buffers are finite
        }
      }
    }
    assertArrayEquals(sha256(transfer(c, 2 << 20, 3)), transfer.get(60, TimeUnit.SECONDS));
    waitFor(() -> b.drops().values().stream().mapToLong(Long::longValue).sum() > sent * 0.9);
    assertTrue(c.isOpen());
  }

  // --- helpers

  private QuicEndpoint relay() throws Exception {
    return new QuicEndpoint(
        NodeIdentity.ephemeral(), QuicEndpoint.Settings.defaults(ANY), p -> Optional.empty(), () -> relayHandler);
  }

  /** The bytes a seeded transfer sends. */
  private static byte[] transfer(QuicConnection unused, int size, long seed) {
    byte[] all = new byte[size];
    Random r = new Random(seed);
    byte[] chunk = new byte[65536];
    for (int at = 0; at < size; at += chunk.length) {
      r.nextBytes(chunk);
      System.arraycopy(chunk, 0, all, at, Math.min(chunk.length, size - at));
    }
    return all;
  }

  /** Sends a seeded transfer on a new stream and returns the digest the peer answers with. */
  private static byte[] roundTrip(QuicConnection c, int size, long seed) {
    try {
      PeerStream s = c.openStream();
      CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(() -> readAll(s.input()));
      s.output().write(transfer(c, size, seed));
      s.output().close();
      return answer.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    waitFor(condition, Duration.ofSeconds(20));
  }

  private static void waitFor(java.util.function.BooleanSupplier condition, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + within);
      }
      Thread.sleep(5);
    }
  }

}
