package io.macula.nat.turn.internal;

import io.macula.nat.stun.api.XorPeerAddress;

import io.macula.nat.stun.api.Lifetime;

import io.macula.nat.stun.api.StunMessage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.testing.Eventually;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Our TURN server with our client, on loopback: what it relays, and whom it refuses. */
class TurnServerTest {
  private static final String REALM = "macula.test";
  private static final byte[] SECRET = "the shared secret".getBytes(StandardCharsets.UTF_8);
  private static final RetransmissionSchedule FAST = new RetransmissionSchedule(Duration.ofMillis(100), 5, 8);

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final MovableClock clock = new MovableClock();
  private TurnServer server;

  @AfterEach
  void stop() {
    timer.shutdownNow();
    if (server != null) {
      server.close();
    }
  }

  private TurnServer server(List<String> allowedPeers, int perUser) throws Exception {
    ServerCredentials credentials = new ServerCredentials(REALM, Map.of("alice", "wonderland"), Optional.of(SECRET),
        clock, Duration.ofMinutes(1));
    server = new TurnServer(new TurnServer.Settings(new InetSocketAddress("127.0.0.1", 0),
        InetAddress.getByName("127.0.0.1"), credentials, PeerFilter.allowing(allowedPeers), perUser,
        Duration.ofMinutes(10), Duration.ofHours(1), 0, clock));
    return server;
  }

  private TurnClient client(UdpTransport udp, TurnCredentials credentials) {
    TurnClient c = new TurnClient(udp, credentials, timer, FAST);
    udp.receiver(c::received);
    return c;
  }

  @Test
  void dataCrossesOurRelayBothWaysInIndicationsAndChannels() throws Exception {
    server(List.of("127.0.0.0/8"), 4);
    try (UdpTransport udp = new UdpTransport(server.localAddress())) {
      TurnClient c = client(udp, new TurnCredentials("alice", "wonderland"));
      RelayExchange.run(c, c.allocate().get(5, TimeUnit.SECONDS), udp.localAddress());
      Eventually.until("the released allocation is gone", () -> server.allocations() == 0);
      assertTrue(server.counters().get("relayed-packets") >= 4, server.counters().toString());
    }
  }

  /**
   * What a user's allocations relayed stays the user's while one of them lives (an allocation
   * renewed under new credentials ends the old one), then counts among the ended: no count goes down.
   */
  @Test
  void aUsersRelayedBytesOutliveOneAllocationAndJoinTheEndedWithItsLast() throws Exception {
    server(List.of("127.0.0.0/8"), 4);
    try (UdpTransport one = new UdpTransport(server.localAddress());
        UdpTransport two = new UdpTransport(server.localAddress())) {
      TurnClient first = client(one, TurnCredentials.rest("alice", SECRET, Duration.ofHours(1), clock));
      TurnClient second = client(two, TurnCredentials.rest("alice", SECRET, Duration.ofHours(2), clock));
      Allocation kept = second.allocate().get(5, TimeUnit.SECONDS);
      RelayExchange.run(first, first.allocate().get(5, TimeUnit.SECONDS), one.localAddress());
      Eventually.until("the released allocation is gone", () -> server.allocations() == 1);
      long relayed = server.counters().get("relayed-bytes");
      assertTrue(relayed > 0);
      assertEquals(relayed, server.relayedByUser().get("alice").bytes.sum(), "alice's, with one allocation left");
      assertEquals(0, server.relayedByUser().get(TurnServer.ENDED).bytes.sum());

      kept.release().get(5, TimeUnit.SECONDS);
      Eventually.until("the last allocation is gone", () -> server.allocations() == 0);
      assertEquals(java.util.Set.of(TurnServer.ENDED), server.relayedByUser().keySet());
      assertEquals(relayed, server.relayedByUser().get(TurnServer.ENDED).bytes.sum());
      assertEquals(server.counters().get("relayed-packets"), server.relayedByUser().get(TurnServer.ENDED).packets.sum());
    }
  }

  @Test
  void overTcpTheSameAndTheAllocationGoesWithTheConnection() throws Exception {
    server(List.of("127.0.0.0/8"), 4);
    try (StreamTransport tcp = StreamTransport.tcp(server.localAddress())) {
      TurnClient c = new TurnClient(tcp, new TurnCredentials("alice", "wonderland"), timer, FAST);
      tcp.receiver(c::received);
      RelayExchange.run(c, c.allocate().get(5, TimeUnit.SECONDS), tcp.localAddress());
    }
    StreamTransport tcp = StreamTransport.tcp(server.localAddress());
    TurnClient c = new TurnClient(tcp, new TurnCredentials("alice", "wonderland"), timer, FAST);
    tcp.receiver(c::received);
    c.allocate().get(5, TimeUnit.SECONDS);
    assertEquals(1, server.allocations());
    tcp.close();
    Eventually.until("the allocation went with its connection", () -> server.allocations() == 0);
  }

  @Test
  void wrongOrExpiredCredentialsAreRefusedWith401() throws Exception {
    server(List.of("127.0.0.0/8"), 4);
    for (TurnCredentials bad : List.of(new TurnCredentials("alice", "looking-glass"),
        new TurnCredentials("mallory", "wonderland"),
        TurnCredentials.rest("alice", SECRET, Duration.ofMinutes(-1), clock),
        TurnCredentials.rest("alice", "another secret".getBytes(StandardCharsets.UTF_8), Duration.ofHours(1), clock))) {
      try (UdpTransport udp = new UdpTransport(server.localAddress())) {
        assertEquals(401, refusal(client(udp, bad).allocate()).code(), bad.toString());
      }
    }
    assertEquals(0, server.allocations());
    try (UdpTransport udp = new UdpTransport(server.localAddress())) {
      TurnCredentials rest = TurnCredentials.rest("alice", SECRET, Duration.ofHours(1), clock);
      client(udp, rest).allocate().get(5, TimeUnit.SECONDS);
      assertEquals(1, server.allocations(), "time-limited credentials from the shared secret allocate");
    }
  }

  /**
   * An allocation lives no longer than the time-limited credentials it was made with: its lifetime
   * stops at their expiry, and past it the server refreshes it no more.
   */
  @Test
  void anAllocationEndsWithItsTimeLimitedCredentials() throws Exception {
    server(List.of("127.0.0.0/8"), 4);
    try (UdpTransport udp = new UdpTransport(server.localAddress())) {
      TurnCredentials rest = TurnCredentials.rest("alice", SECRET, Duration.ofSeconds(90), clock);
      Allocation a = client(udp, rest).allocate().get(5, TimeUnit.SECONDS);
      assertTrue(a.lifetime().toSeconds() <= 90, "asked 600 s, credentials hold 90: " + a.lifetime());

      clock.advance(Duration.ofSeconds(50));
      assertTrue(a.refresh().get(5, TimeUnit.SECONDS).toSeconds() <= 40);
      clock.advance(Duration.ofSeconds(45)); // past the expiry, inside the nonce's minute
      assertEquals(401, refusal(a.refresh()).code());
    }
  }

  /** RFC 8656 §5: every request on an allocation comes with the username it was made with. */
  @Test
  void anotherUsersRequestOnAnAllocationIsRefusedWith441() throws Exception {
    server(List.of("127.0.0.0/8"), 4);
    try (UdpTransport udp = new UdpTransport(server.localAddress())) {
      client(udp, new TurnCredentials("alice", "wonderland")).allocate().get(5, TimeUnit.SECONDS);
      TurnClient other = client(udp, TurnCredentials.rest("bob", SECRET, Duration.ofHours(1), clock));

      assertEquals(441, refusal(other.request(StunMessage.REFRESH, List.of(new Lifetime(600)))).code());
      assertEquals(441, refusal(other.request(StunMessage.CREATE_PERMISSION,
          List.of(new XorPeerAddress(new InetSocketAddress("127.0.0.1", 0))))).code());
      assertEquals(1, server.allocations(), "alice's allocation stays");
    }
  }

  @Test
  void aStaleNonceIsRenewedAndTheRequestGoesThrough() throws Exception {
    server(List.of("127.0.0.0/8"), 4);
    try (UdpTransport udp = new UdpTransport(server.localAddress())) {
      Allocation a = client(udp, new TurnCredentials("alice", "wonderland")).allocate().get(5, TimeUnit.SECONDS);
      clock.advance(Duration.ofSeconds(61)); // past the nonce's minute, well inside the allocation's lifetime

      assertTrue(a.refresh().get(5, TimeUnit.SECONDS).toSeconds() > 0);
      assertEquals(1L, server.counters().get("stale-nonce"));
    }
  }

  @Test
  void aUserGetsItsQuotaOfAllocationsAndNoMore() throws Exception {
    server(List.of("127.0.0.0/8"), 2);
    try (UdpTransport one = new UdpTransport(server.localAddress());
        UdpTransport two = new UdpTransport(server.localAddress());
        UdpTransport three = new UdpTransport(server.localAddress())) {
      TurnCredentials alice = new TurnCredentials("alice", "wonderland");
      client(one, alice).allocate().get(5, TimeUnit.SECONDS);
      client(two, TurnCredentials.rest("alice", SECRET, Duration.ofHours(1), clock)).allocate().get(5, TimeUnit.SECONDS);
      TurnCredentials renewed = TurnCredentials.rest("alice", SECRET, Duration.ofHours(2), clock);
      assertEquals(486, refusal(client(three, renewed).allocate()).code(), "time-limited credentials are alice's too");
      assertEquals(2, server.allocations());
    }
  }

  @Test
  void peersOnTheServersOwnNetworksAreRefusedUnlessAllowed() throws Exception {
    server(List.of(), 4);
    try (UdpTransport udp = new UdpTransport(server.localAddress())) {
      Allocation a = client(udp, new TurnCredentials("alice", "wonderland")).allocate().get(5, TimeUnit.SECONDS);
      for (String peer : List.of("127.0.0.1", "10.1.2.3", "192.168.1.1", "169.254.0.1", "224.0.0.1", "::1", "fd00::1")) {
        assertEquals(403, refusal(a.permit(InetAddress.getByName(peer))).code(), peer);
      }
      assertEquals(403, refusal(a.bind(new InetSocketAddress("127.0.0.1", 9))).code());
    }
  }

  private static TurnException refusal(java.util.concurrent.CompletableFuture<?> f) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    return assertInstanceOf(TurnException.class, e.getCause());
  }

  /** A clock the test moves: nonces and lifetimes age without waiting. */
  private static final class MovableClock extends Clock {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

    void advance(Duration d) {
      now.updateAndGet(t -> t.plus(d));
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  }
}
