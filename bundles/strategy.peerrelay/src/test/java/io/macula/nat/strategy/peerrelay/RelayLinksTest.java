package io.macula.nat.strategy.peerrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeId;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Links to relays last while a connection goes through the relay, and a while after; then they close. */
class RelayLinksTest {
  private static final InetSocketAddress RELAY_AT = new InetSocketAddress("198.51.100.30", 4100);
  private final List<AtomicBoolean> opened = new ArrayList<>();
  private final List<InetSocketAddress> gone = new ArrayList<>();

  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[2] = (byte) n;
    return NodeId.of(id);
  }

  @Test
  void aLinkNoPathUsesClosesAfterItsIdleTimeAndTheRelayIsForgotten() {
    RelayLinks links = new RelayLinks(endpoint(), Runnable::run);
    RelayLinks.Link link = links.link(node(5), RELAY_AT).join();
    assertSame(link, links.link(node(5), RELAY_AT).join(), "an open link is used again");
    long now = System.nanoTime();

    links.prune(a -> true, now + RelayLinks.LINK_IDLE.toNanos() * 2, gone::add);
    assertTrue(opened.get(0).get(), "a link a connection's path goes through stays");
    long used = now + RelayLinks.LINK_IDLE.toNanos() * 2;
    links.prune(a -> false, used + RelayLinks.LINK_IDLE.toNanos(), gone::add);
    assertTrue(opened.get(0).get(), "not before its idle time is over");
    assertEquals(List.of(), gone);

    links.prune(a -> false, used + RelayLinks.LINK_IDLE.toNanos() + 1, gone::add);
    assertFalse(opened.get(0).get(), "closed");
    assertEquals(List.of(RELAY_AT), gone);
    assertTrue(links.open().isEmpty());
  }

  @Test
  void aLinkThatClosedIsForgottenAtOnceAndANewOneMade() {
    RelayLinks links = new RelayLinks(endpoint(), Runnable::run);
    links.link(node(5), RELAY_AT).join();
    opened.get(0).set(false); // the relay went
    links.prune(a -> true, System.nanoTime(), gone::add);
    assertEquals(List.of(RELAY_AT), gone);
    links.link(node(5), RELAY_AT).join();
    assertEquals(2, opened.size(), "a new link");
  }

  private Endpoint endpoint() {
    return (Endpoint) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Endpoint.class},
        (p, m, a) -> {
          if (m.getName().equals("connect")) {
            AtomicBoolean open = new AtomicBoolean(true);
            opened.add(open);
            return CompletableFuture.completedFuture(connection(open));
          }
          throw new UnsupportedOperationException(m.getName());
        });
  }

  private QuicConnection connection(AtomicBoolean open) {
    return (QuicConnection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {QuicConnection.class},
        (p, m, a) -> switch (m.getName()) {
          case "isOpen" -> open.get();
          case "close" -> {
            open.set(false);
            yield null;
          }
          case "roundTripTime" -> Optional.empty();
          case "hashCode" -> System.identityHashCode(p);
          case "equals" -> p == a[0];
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }
}
