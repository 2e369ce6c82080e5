package io.macula.nat.peer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import io.macula.nat.testing.Eventually;
import io.macula.nat.transport.api.QuicConnection;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A peer that opens streams and never writes gets a few threads for a few seconds, no more. */
class StreamDispatcherTest {
  // Long enough that every stream below is submitted well before the first deadline.
  private final StreamDispatcher dispatcher = new StreamDispatcher(Duration.ofSeconds(2));

  @AfterEach
  void stop() {
    dispatcher.deactivate();
  }

  /** A stream whose peer never writes: a read blocks until the stream is closed. */
  private static final class SilentStream implements PeerStream {
    final CountDownLatch closed = new CountDownLatch(1);

    @Override
    public InputStream input() {
      return new InputStream() {
        @Override
        public int read() {
          try {
            closed.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return -1;
        }
      };
    }

    @Override
    public OutputStream output() {
      return OutputStream.nullOutputStream();
    }

    @Override
    public void close() {
      closed.countDown();
    }
  }

  @Test
  void silentStreamsFromOnePeerGetItsShareAndAreClosedAtTheDeadline() throws Exception {
    Consumer<PeerStream> streams = accept(node(1));
    List<SilentStream> opened = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      SilentStream s = new SilentStream();
      opened.add(s);
      streams.accept(s);
    }
    assertTrue(dispatcher.serving() <= StreamDispatcher.MAX_PER_PEER, dispatcher.serving() + " threads");
    assertEquals(1000 - StreamDispatcher.MAX_PER_PEER, dispatcher.refused());
    for (SilentStream s : opened) {
      assertTrue(s.closed.await(5, TimeUnit.SECONDS), "every stream is closed: refused, or at the deadline");
    }
    Eventually.until("the threads are free again", () -> dispatcher.serving() == 0);
  }

  @Test
  void anotherPeerIsServedWhileOneHoldsItsShare() throws Exception {
    Consumer<PeerStream> greedy = accept(node(1));
    for (int i = 0; i < 100; i++) {
      greedy.accept(new SilentStream());
    }
    long refusedBefore = dispatcher.refused();
    Consumer<PeerStream> polite = accept(node(2));
    SilentStream s = new SilentStream();
    polite.accept(s);
    assertEquals(refusedBefore, dispatcher.refused(), "the second peer's stream is taken");
  }

  private Consumer<PeerStream> accept(NodeId peer) {
    AtomicReference<Consumer<PeerStream>> handler = new AtomicReference<>();
    QuicConnection c = (QuicConnection) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {QuicConnection.class}, (proxy, method, args) -> switch (method.getName()) {
          case "peer" -> peer;
          case "onStream" -> {
            @SuppressWarnings("unchecked")
            Consumer<PeerStream> h = (Consumer<PeerStream>) args[0];
            handler.set(h);
            yield null;
          }
          default -> throw new UnsupportedOperationException(method.getName());
        });
    dispatcher.accepted(c);
    return handler.get();
  }

  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return NodeId.of(id);
  }

  @Test
  void aPeerNobodyVouchesForIsRefused() throws Exception {
    NodeId stranger = NodeId.of(new byte[NodeId.LENGTH]);
    assertEquals(false, dispatcher.admission(stranger).toCompletableFuture().get(1, TimeUnit.SECONDS),
        "no hub session, no hub: nobody may connect");

    dispatcher.addAdmission(p -> CompletableFuture.completedFuture(false));
    CompletableFuture<Boolean> later = new CompletableFuture<>();
    dispatcher.addAdmission(p -> later);
    CompletableFuture<Boolean> answer = dispatcher.admission(stranger).toCompletableFuture();
    assertEquals(false, answer.isDone(), "one voucher has not answered yet");
    later.complete(false);

    assertEquals(false, answer.get(1, TimeUnit.SECONDS));
    assertEquals(2, dispatcher.notAdmitted());
  }

  @Test
  void aPeerAnyVoucherVouchesForIsAdmittedAtOnce() throws Exception {
    NodeId peer = NodeId.of(new byte[NodeId.LENGTH]);
    dispatcher.addAdmission(p -> new CompletableFuture<>()); // never answers
    dispatcher.addAdmission(p -> { throw new IllegalStateException("broken"); });
    dispatcher.addAdmission(p -> CompletableFuture.completedFuture(p.equals(peer)));

    assertEquals(true, dispatcher.admission(peer).toCompletableFuture().get(1, TimeUnit.SECONDS));
    assertEquals(0, dispatcher.notAdmitted());
  }
}
