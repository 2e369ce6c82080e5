package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerStream;
import io.macula.nat.transport.api.ConnectionAcceptor;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.RelayExchange;
import io.macula.nat.transport.api.RelayHandler;
import io.macula.nat.transport.api.TransportPath;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two relays on loopback, each holding one node, as two hubs of a mesh do: a's packets go to its
 * relay, which passes them to b's relay in frames between relays, which forwards them to b; and
 * back the same way. Only frames under the key the relays agreed pass.
 */
class RelayExchangeTest {
  private static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 0);

  private final BlockingQueue<QuicConnection> acceptedByB = new ArrayBlockingQueue<>(10);
  private QuicEndpoint a;
  private QuicEndpoint b;
  private Relay relayOfA;
  private Relay relayOfB;

  @AfterEach
  void close() {
    for (Object e : new Object[] {a, b, relayOfA, relayOfB}) {
      if (e instanceof QuicEndpoint q) {
        q.close();
      } else if (e instanceof Relay r) {
        r.endpoint.close();
      }
    }
  }

  @Test
  void aConnectionRunsThroughTwoRelaysThatPassEachOtherItsPackets() throws Exception {
    a = node(new ArrayBlockingQueue<>(10));
    b = node(acceptedByB);
    relayOfA = new Relay(a);
    relayOfB = new Relay(b);
    relayOfA.passesTo(relayOfB, b.localId());
    relayOfB.passesTo(relayOfA, a.localId());
    a.trustRelay(loopback(relayOfA.endpoint), TestRelay.keyOf(a.localId()));
    b.trustRelay(loopback(relayOfB.endpoint), TestRelay.keyOf(b.localId()));

    QuicConnection c = a.connect(b.localId(),
        new TransportPath.Relayed(loopback(relayOfA.endpoint), b.localId(), PathKind.HUB_RELAY),
        Endpoint.PEER_PROTOCOL).get(10, TimeUnit.SECONDS);
    QuicConnection atB = acceptedByB.poll(10, TimeUnit.SECONDS);
    assertEquals(new TransportPath.Relayed(loopback(relayOfB.endpoint), a.localId(), PathKind.HUB_RELAY), atB.path(),
        "b answers through its own relay");

    byte[] data = new byte[4 << 20];
    new Random(7).nextBytes(data);
    PeerStream s = c.openStream();
    CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(() -> {
      try {
        return s.input().readAllBytes();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    s.output().write(data);
    s.output().close();
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), answer.get(30, TimeUnit.SECONDS));
    assertTrue(relayOfA.passedOn > 0 && relayOfB.passedOn > 0, "each relay passed the other packets");
  }

  @Test
  void aFrameUnderAnotherKeyIsDroppedAndCounted() throws Exception {
    a = node(new ArrayBlockingQueue<>(10));
    b = node(acceptedByB);
    relayOfA = new Relay(a);
    relayOfB = new Relay(b);
    relayOfA.passesTo(relayOfB, b.localId());
    relayOfB.passKeys.put(loopback(relayOfA.endpoint), new byte[RelayMac.KEY_LENGTH]); // not the key a's relay uses

    relayOfA.endpoint.passToRelay(loopback(relayOfB.endpoint), relayOfA.keyTo(relayOfB), a.localId(), b.localId(),
        ByteBuffer.wrap(new byte[100]));
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (relayOfB.endpoint.drops().getOrDefault(DropCounters.BAD_RELAY_MAC, 0L) == 0) {
      assertTrue(System.nanoTime() < deadline, "no bad MAC counted: " + relayOfB.endpoint.drops());
      Thread.sleep(10);
    }
    assertEquals(0, relayOfB.received);
  }

  /** A relay that holds one node and passes what it sends other nodes to the relay of each. */
  private static final class Relay implements RelayHandler, RelayExchange {
    final QuicEndpoint endpoint;
    private final QuicEndpoint node;
    private final java.util.Map<NodeId, Relay> onward = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Relay, byte[]> keysTo = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.Map<InetSocketAddress, byte[]> passKeys = new java.util.concurrent.ConcurrentHashMap<>();
    volatile int passedOn;
    volatile int received;

    Relay(QuicEndpoint node) throws Exception {
      this.node = node;
      this.endpoint = new QuicEndpoint(NodeIdentity.ephemeral(), QuicEndpoint.Settings.defaults(ANY),
          p -> Optional.empty(), () -> this, () -> this, () -> null);
    }

    /** Packets for {@code destination} go on to {@code other}, under a key the two agree here. */
    void passesTo(Relay other, NodeId destination) {
      byte[] key = new byte[RelayMac.KEY_LENGTH];
      new Random(destination.hashCode()).nextBytes(key);
      keysTo.put(other, key);
      other.passKeys.put(loopback(endpoint), Arrays.copyOf(key, key.length));
      onward.put(destination, other);
    }

    byte[] keyTo(Relay other) {
      return keysTo.get(other);
    }

    @Override
    public byte[] relayKey(InetSocketAddress sender) {
      return sender.equals(loopback(node)) ? TestRelay.keyOf(node.localId()) : null;
    }

    @Override
    public void relay(InetSocketAddress sender, NodeId destination, ByteBuffer packet, Forwarder out) {
      Relay other = onward.get(destination);
      if (other != null) {
        passedOn++;
        endpoint.passToRelay(loopback(other.endpoint), keysTo.get(other), node.localId(), destination, packet);
      }
    }

    @Override
    public byte[] passKey(InetSocketAddress sender) {
      return passKeys.get(sender);
    }

    @Override
    public void passed(InetSocketAddress sender, NodeId source, NodeId destination, ByteBuffer packet,
        Forwarder out) {
      received++;
      if (destination.equals(node.localId())) {
        out.forward(loopback(node), TestRelay.keyOf(destination), source, packet);
      }
    }
  }

  private static QuicEndpoint node(BlockingQueue<QuicConnection> accepted) throws Exception {
    ConnectionAcceptor echo = c -> {
      c.onStream(s -> {
        try (s) {
          MessageDigest sha = MessageDigest.getInstance("SHA-256");
          byte[] buf = new byte[65536];
          for (int n; (n = s.input().read(buf)) > 0; ) {
            sha.update(buf, 0, n);
          }
          s.output().write(sha.digest());
          s.output().close();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      accepted.add(c);
    };
    return new QuicEndpoint(NodeIdentity.ephemeral(), QuicEndpoint.Settings.defaults(ANY),
        p -> p.equals(Endpoint.PEER_PROTOCOL) ? Optional.of(echo) : Optional.empty(), () -> null);
  }

  private static InetSocketAddress loopback(Endpoint e) {
    return new InetSocketAddress("127.0.0.1", e.localAddress().getPort());
  }
}
