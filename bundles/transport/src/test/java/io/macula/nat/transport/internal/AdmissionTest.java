package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import io.macula.nat.testing.Eventually;
import io.macula.nat.transport.api.ConnectionAcceptor;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An inbound connection waits for its acceptor's answer, with its first streams, and no longer than a deadline. */
class AdmissionTest {
  private static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 0);

  private final List<QuicConnection> accepted = new CopyOnWriteArrayList<>();
  private final AtomicInteger served = new AtomicInteger();
  private final List<Integer> firstBytes = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Boolean> answer = new CompletableFuture<>();
  private final List<NodeId> asked = new CopyOnWriteArrayList<>();
  private QuicEndpoint client;
  private QuicEndpoint server;

  @AfterEach
  void close() {
    for (QuicEndpoint e : new QuicEndpoint[] {client, server}) {
      if (e != null) {
        e.close();
      }
    }
  }

  private QuicEndpoint serverAnswering(CompletionStage<Boolean> admission) throws Exception {
    ConnectionAcceptor acceptor = new ConnectionAcceptor() {
      @Override
      public CompletionStage<Boolean> admission(NodeId peer) {
        asked.add(peer);
        return admission;
      }

      @Override
      public void accepted(QuicConnection c) {
        c.onStream(s -> {
          try (s) {
            firstBytes.add(s.input().read());
          } catch (java.io.IOException e) {
            firstBytes.add(-2);
          }
          served.incrementAndGet();
        });
        accepted.add(c);
      }
    };
    return new QuicEndpoint(NodeIdentity.ephemeral(), QuicEndpoint.Settings.defaults(ANY),
        p -> p.equals(Endpoint.PEER_PROTOCOL) ? Optional.of(acceptor) : Optional.empty(), () -> null);
  }

  private QuicConnection connect() throws Exception {
    client = new QuicEndpoint(NodeIdentity.ephemeral(), QuicEndpoint.Settings.defaults(ANY),
        p -> Optional.empty(), () -> null);
    InetSocketAddress at = new InetSocketAddress("127.0.0.1", server.localAddress().getPort());
    return client.connect(server.localId(), new TransportPath.Direct(at), Endpoint.PEER_PROTOCOL)
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void aRefusedPeerIsClosedAndLeavesNoConnection() throws Exception {
    server = serverAnswering(CompletableFuture.completedFuture(false));

    QuicConnection c = connect();

    Eventually.until("the refused connection closes", () -> !c.isOpen());
    assertEquals(List.of(client.localId()), asked);
    assertEquals(List.of(), accepted);
    assertEquals(List.of(), server.connections());
    assertEquals(1L, server.drops().get(DropCounters.NOT_ADMITTED));
  }

  @Test
  void theFirstStreamsWaitForTheAnswerAndTheRestAreClosed() throws Exception {
    server = serverAnswering(answer);
    QuicConnection c = connect();
    Eventually.until("the server asks about the client", () -> asked.size() == 1);

    List<PeerStream> streams = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 40; i++) {
      PeerStream s = c.openStream();
      s.output().write(i);
      s.output().flush();
      streams.add(s);
    }
    Eventually.until("the streams past the first few are closed", () -> server.drops()
        .getOrDefault(DropCounters.STREAM_NOT_ADMITTED, 0L) == 40 - QuicEndpoint.MAX_STREAMS_WHILE_ADMITTING);
    assertEquals(List.of(), server.connections(), "nothing is visible before the answer");
    assertEquals(0, served.get());
    answer.complete(true);

    Eventually.until("the client is accepted", () -> accepted.size() == 1);
    Eventually.until("the waiting streams are served", () -> served.get() == QuicEndpoint.MAX_STREAMS_WHILE_ADMITTING);
    assertEquals(QuicEndpoint.MAX_STREAMS_WHILE_ADMITTING, firstBytes.stream().filter(b -> b >= 0).distinct().count(),
        "what each stream sent while its peer waited arrives: " + firstBytes);
    assertEquals(1, server.connections().size());
    assertTrue(c.isOpen());
  }

  /**
   * The worst an unadmitted key can do: connect again and again, opening every stream QUIC lets it,
   * while the node never decides. The node's threads and tables stay where they were.
   */
  @Test
  void tenThousandStreamsFromAnUnadmittedKeyLeaveThreadsAndTablesFlat() throws Exception {
    server = serverAnswering(answer); // never answers: each connection waits out its deadline
    client = new QuicEndpoint(NodeIdentity.ephemeral(), QuicEndpoint.Settings.defaults(ANY),
        p -> Optional.empty(), () -> null);
    InetSocketAddress at = new InetSocketAddress("127.0.0.1", server.localAddress().getPort());
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    int threadsBefore = threads.getThreadCount();

    int streams = 0;
    int connections = 0;
    while (streams < 10_000) {
      QuicConnection c = client.connect(server.localId(), new TransportPath.Direct(at), Endpoint.PEER_PROTOCOL)
          .get(10, TimeUnit.SECONDS);
      connections++;
      for (int i = 0; i < 100 && streams < 10_000; i++, streams++) {
        try {
          PeerStream s = c.openStream();
          s.output().write(i);
          s.output().flush();
        } catch (java.io.IOException | RuntimeException refused) {
          break; // QUIC's stream limit, or the connection closed: the next connection
        }
      }
      c.close();
    }

    Map<String, Integer> tables = server.tables();
    System.out.printf("unadmitted: %d streams on %d connections; threads %d before, %d after; %s; dropped %s%n",
        streams, connections, threadsBefore, threads.getThreadCount(), tables, server.drops());
    assertEquals(0, tables.get("connections"), "no unadmitted connection became one: " + tables);
    assertTrue(tables.get("admitting") <= QuicEndpoint.MAX_ADMITTING, tables.toString());
    assertTrue(threads.getThreadCount() - threadsBefore < 10,
        threadsBefore + " threads before, " + threads.getThreadCount() + " after " + streams + " streams on "
            + connections + " connections");
    assertEquals(List.of(), accepted);
    assertEquals(0, served.get());
    Eventually.until("the connections the client closed no longer wait", () -> server.tables().get("admitting") == 0);
  }

  @Test
  void anAcceptorThatNeverAnswersIsTakenForNo() throws Exception {
    server = serverAnswering(answer);

    QuicConnection c = connect();

    Eventually.until("the unanswered connection closes", () -> !c.isOpen(),
        QuicEndpoint.ADMISSION_DEADLINE.plus(Duration.ofSeconds(10)));
    assertEquals(List.of(), accepted);
    assertEquals(List.of(), server.connections());
  }
}
