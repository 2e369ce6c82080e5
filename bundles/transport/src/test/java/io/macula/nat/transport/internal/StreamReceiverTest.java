package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.PeerStream;
import io.macula.nat.api.StreamReceiver;
import io.macula.nat.testing.Eventually;
import io.macula.nat.transport.api.ConnectionAcceptor;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Streams without a waiting thread: a receiver on the event loop, and writes that never block. */
class StreamReceiverTest {
  private static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 0);
  private final BlockingQueue<PeerStream> streamsAtB = new ArrayBlockingQueue<>(4);
  private QuicEndpoint a;
  private QuicEndpoint b;

  @AfterEach
  void close() {
    for (QuicEndpoint e : new QuicEndpoint[] {a, b}) {
      if (e != null) {
        e.close();
      }
    }
  }

  private QuicEndpoint endpoint() throws Exception {
    ConnectionAcceptor acceptor = c -> c.onStream(streamsAtB::add);
    return new QuicEndpoint(NodeIdentity.ephemeral(),
        new QuicEndpoint.Settings(ANY, Duration.ofSeconds(30), 16 << 20, 4 << 20, PathProber.CONSENT_LIFETIME),
        p -> p.equals(Endpoint.PEER_PROTOCOL) ? Optional.of(acceptor) : Optional.empty(), () -> null);
  }

  private PeerStream streamToB() throws Exception {
    a = endpoint();
    b = endpoint();
    QuicConnection c = a.connect(b.localId(),
        new TransportPath.Direct(new InetSocketAddress("127.0.0.1", b.localAddress().getPort())),
        Endpoint.PEER_PROTOCOL).get(10, TimeUnit.SECONDS);
    return c.openStream();
  }

  /**
   * A receiver set late gets what the input held first (more than makes the input pause reading),
   * then the rest, in order, then the end.
   */
  @Test
  void aReceiverTakesWhatArrivedBeforeItThenTheRestThenTheEnd() throws Exception {
    PeerStream fromA = streamToB();
    byte[] data = new byte[3 << 20];
    new Random(3).nextBytes(data);
    CompletableFuture.runAsync(() -> {
      try {
        fromA.output().write(data);
        fromA.output().close();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    PeerStream atB = streamsAtB.poll(10, TimeUnit.SECONDS);
    Eventually.until("B's input holds enough to pause reading", () -> available(atB.input()) >= StreamInput.HIGH,
        Duration.ofSeconds(20));

    MessageDigest received = MessageDigest.getInstance("SHA-256");
    CompletableFuture<Optional<IOException>> end = new CompletableFuture<>();
    long[] bytes = {0};
    atB.receive(new StreamReceiver() {
      @Override
      public void received(ByteBuffer d) {
        bytes[0] += d.remaining();
        received.update(d);
      }

      @Override
      public void ended(Optional<IOException> failure) {
        end.complete(failure);
      }
    });

    assertEquals(Optional.empty(), end.get(20, TimeUnit.SECONDS), "the peer finished the stream");
    assertEquals(data.length, bytes[0]);
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), received.digest());
    assertEquals(-1, atB.input().read(), "the input reads nothing once a receiver has the stream");
  }

  /**
   * Writes that never wait: past {@code maxWaiting} bytes that QUIC has not taken, a write is
   * refused; QUIC takes them into the peer's window though the peer reads nothing, and then writes
   * are taken again; all that was taken arrives, in order.
   */
  @Test
  void aPeerThatDoesNotReadIsRefusedPastWhatMayWaitAndWhatWasTakenArrives() throws Exception {
    PeerStream toB = streamToB();
    int maxWaiting = 256 << 10;
    byte[] chunk = new byte[16 << 10];
    int taken = 0;
    for (byte n = 0; toB.tryWrite(filled(chunk, n), maxWaiting); n++) {
      taken += chunk.length;
      assertTrue(taken < 32 << 20, "still taken after " + taken + " bytes");
    }
    assertTrue(taken >= maxWaiting - chunk.length, "refused after " + taken + " bytes");
    // What waited goes into the peer's flow-control window (4 MB), though the peer reads nothing.
    byte next = (byte) (taken / chunk.length);
    Eventually.until("QUIC takes what waited", () -> toB.tryWrite(filled(chunk, next), maxWaiting),
        Duration.ofSeconds(20));
    taken += chunk.length;

    PeerStream atB = streamsAtB.poll(10, TimeUnit.SECONDS);
    InputStream in = atB.input();
    byte[] read = new byte[chunk.length];
    for (int i = 0; i < taken / chunk.length; i++) {
      int got = in.readNBytes(read, 0, read.length);
      assertEquals(chunk.length, got);
      assertArrayEquals(filled(new byte[chunk.length], (byte) i), read, "chunk " + i);
    }
    assertTrue(toB.tryWrite(filled(chunk, (byte) 1), maxWaiting), "taken again once the peer read");
  }

  private static byte[] filled(byte[] b, byte value) {
    java.util.Arrays.fill(b, value);
    return b;
  }

  private static int available(InputStream in) {
    try {
      return in.available();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
