package io.macula.nat.strategy.peerrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.RelayDirectory;
import io.macula.nat.api.Signalling;
import io.macula.nat.transport.api.Endpoint;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

/** A peer's offers are served two at a time: the next is refused at once, another peer's is not. */
class OfferLimitTest {
  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[1] = (byte) n;
    return NodeId.of(id);
  }

  @Test
  void aPeerGetsTwoOffersServedAtOnceAndTheThirdRefused() throws Exception {
    CountDownLatch directoryAnswers = new CountDownLatch(1);
    BlockingQueue<String> signalled = new LinkedBlockingQueue<>();
    BlockingQueue<NodeId> asked = new LinkedBlockingQueue<>();
    PeerRelayStrategy strategy = new PeerRelayStrategy(config(), endpoint(), quiet());
    try {
      set(strategy, "signalling", new Signalling() {
        @Override
        public boolean isConnected() {
          return true;
        }

        @Override
        public void signal(NodeId to, byte[] payload) {
          signalled.add(to + " " + new String(payload, java.nio.charset.StandardCharsets.UTF_8));
        }
      });
      // Serving an offer asks the directory first: it answers once the test lets it.
      set(strategy, "directory", (RelayDirectory) () -> {
        asked.add(node(0));
        try {
          directoryAnswers.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return List.<NodeDescriptor>of();
      });
      NodeId peer = node(2);
      for (int i = 1; i <= 3; i++) {
        strategy.signal(peer, RelaySignal.encode(
            new RelaySignal.Offer("s" + i, false, Map.of(node(9), Duration.ofMillis(1)))));
      }
      String refused = signalled.poll(5, TimeUnit.SECONDS);
      assertEquals(peer + " peerrelay/1 refuse s3 more than 2 of your offers are being served", refused);
      assertTrue(asked.poll(5, TimeUnit.SECONDS) != null && asked.poll(5, TimeUnit.SECONDS) != null,
          "the first two are being served");

      strategy.signal(node(3), RelaySignal.encode(
          new RelaySignal.Offer("t1", false, Map.of(node(9), Duration.ofMillis(1)))));
      assertTrue(asked.poll(5, TimeUnit.SECONDS) != null, "another peer's offer is served");
      directoryAnswers.countDown();
      for (int i = 0; i < 3; i++) {
        String answer = signalled.poll(5, TimeUnit.SECONDS);
        assertTrue(answer != null && answer.contains(" refuse ") && answer.contains("lists as reachable"), answer);
      }
      strategy.signal(peer, RelaySignal.encode(
          new RelaySignal.Offer("s4", false, Map.of(node(9), Duration.ofMillis(1)))));
      String fourth = signalled.poll(5, TimeUnit.SECONDS);
      assertTrue(fourth != null && fourth.contains(" refuse s4 none of the relays offered"),
          "once served, the peer's next offer is served again (the hub's list, kept a few seconds, has none): " + fourth);
    } finally {
      directoryAnswers.countDown();
      strategy.deactivate();
    }
  }

  private static void set(Object target, String field, Object value) throws Exception {
    var f = target.getClass().getDeclaredField(field);
    f.setAccessible(true);
    f.set(target, value);
  }

  private static PeerRelayStrategy.Config config() {
    return (PeerRelayStrategy.Config) Proxy.newProxyInstance(OfferLimitTest.class.getClassLoader(),
        new Class<?>[] {PeerRelayStrategy.Config.class}, (p, m, a) -> switch (m.getName()) {
          case "priority" -> 60;
          case "timeout__ms" -> 2000L;
          default -> PeerRelayStrategy.Config.class;
        });
  }

  private static Endpoint endpoint() {
    return (Endpoint) Proxy.newProxyInstance(OfferLimitTest.class.getClassLoader(), new Class<?>[] {Endpoint.class},
        (p, m, a) -> {
          if (m.getName().equals("localId")) {
            return node(1);
          }
          throw new UnsupportedOperationException(m.getName());
        });
  }

  private static Logger quiet() {
    return (Logger) Proxy.newProxyInstance(OfferLimitTest.class.getClassLoader(), new Class<?>[] {Logger.class},
        (p, m, a) -> m.getReturnType() == boolean.class ? false : null);
  }
}
