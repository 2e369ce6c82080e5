package io.macula.nat.hub.internal;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import io.macula.nat.hub.protocol.HubCodec;
import io.macula.nat.hub.protocol.HubMessage;
import io.macula.nat.testing.Eventually;
import io.macula.nat.transport.api.QuicConnection;
import io.macula.nat.transport.api.TransportPath;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A node that stops reading must not wedge the sessions of the nodes that signal it. */
class NodeSessionTest {
  private final Registry registry = new Registry();
  private final ExecutorService sessions = Executors.newCachedThreadPool();
  private final NodeSession.Hub hub = new NodeSession.Hub() {
    @Override
    public Registry registry() {
      return registry;
    }

    @Override
    public Clock clock() {
      return Clock.systemUTC();
    }

    @Override
    public void log(String message, Object... args) {}

    @Override
    public void left(NodeId node) {}
  };

  @AfterEach
  void stop() {
    sessions.shutdownNow();
  }

  /** A node's end of its session: what it writes to the hub, and what it reads back. */
  private record Node(OutputStream toHub, InputStream fromHub) {
    HubMessage read() throws IOException {
      return HubCodec.read(fromHub).orElseThrow();
    }
  }

  @Test
  void aSenderKeepsItsAnswersWhileTheNodeItSignalsNeverReads() throws Exception {
    Node deaf = connect(node(2), 40002, 1024); // reads nothing: its pipe holds 1 KB
    register(deaf, node(2), false);
    Node sender = connect(node(1), 40001, 1 << 20);
    register(sender, node(1), true);

    CompletableFuture<Integer> refusals = CompletableFuture.supplyAsync(() -> {
      int refused = 0;
      try {
        for (int i = 0; i < 2 * NodeSession.MAX_OUTBOUND; i++) {
          HubCodec.write(sender.toHub(), new HubMessage.Signal(node(2), new byte[512]));
        }
        HubCodec.write(sender.toHub(), new HubMessage.Ping(77));
        for (HubMessage m; !((m = sender.read()) instanceof HubMessage.Pong); ) {
          if (m instanceof HubMessage.Refused) {
            refused++;
          }
        }
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      return refused;
    });
    // Before its queue let it, the hub had the sender's session wait on the deaf node for ever.
    int refused = refusals.get(10, TimeUnit.SECONDS);
    assertTrue(refused > 0, "the sender is told the deaf node is unreachable");
    Eventually.until("the deaf node's session ends", () -> registry.get(node(2)).isEmpty());
  }

  private void register(Node n, NodeId id, boolean read) throws IOException {
    HubCodec.write(n.toHub(), new HubMessage.Register(List.of(), false, NatBehavior.UNKNOWN));
    if (read) {
      assertInstanceOf(HubMessage.Registered.class, n.read());
    } else {
      Eventually.until(id.shortForm() + " registered", () -> registry.get(id).isPresent());
    }
  }

  private Node connect(NodeId id, int port, int hubToNodeBuffer) throws IOException {
    PipedInputStream hubIn = new PipedInputStream(1 << 20);
    PipedOutputStream nodeOut = new PipedOutputStream(hubIn);
    PipedInputStream nodeIn = new PipedInputStream(hubToNodeBuffer);
    PipedOutputStream hubOut = new PipedOutputStream(nodeIn);
    PeerStream stream = new PeerStream() {
      @Override
      public InputStream input() {
        return hubIn;
      }

      @Override
      public OutputStream output() {
        return hubOut;
      }

      @Override
      public void close() {
        try {
          nodeOut.close();
          nodeIn.close();
        } catch (IOException e) {
          // closed already
        }
      }
    };
    InetSocketAddress at = new InetSocketAddress("198.51.100.7", port);
    QuicConnection c = (QuicConnection) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {QuicConnection.class}, (p, m, a) -> switch (m.getName()) {
          case "peer" -> id;
          case "path" -> new TransportPath.Direct(at);
          case "close" -> {
            stream.close();
            yield null;
          }
          default -> throw new UnsupportedOperationException(m.getName());
        });
    sessions.execute(new NodeSession(c, stream, hub));
    return new Node(nodeOut, nodeIn);
  }

  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return NodeId.of(id);
  }
}
