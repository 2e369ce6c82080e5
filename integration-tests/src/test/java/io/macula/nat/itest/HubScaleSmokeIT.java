package io.macula.nat.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.macula.nat.api.NodeId;
import io.macula.nat.transport.internal.LightNodes;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.Test;

/**
 * The hub scale benchmark's light nodes keep speaking the hub's protocol as the hub and the transport
 * change: a few register with a real hub, keep their sessions alive, answer the hub's path probes and
 * signal each other through it. A smoke run: the benchmark itself is {@code exec:java@hubscale}.
 */
public class HubScaleSmokeIT {
  private static final int NODES = 40;
  private static final int SIGNALS = 100;
  private static final Duration SETTLE = Duration.ofSeconds(30);

  @Test
  public void lightNodesRegisterKeepAliveAnswerProbesAndSignal() throws Exception {
    int port = Mesh.freeUdpPort();
    try (NodeProcess hub = HubScaleBenchmark.hub("scale-smoke-hub", port);
        LightNodes nodes = new LightNodes(1, Duration.ofSeconds(1))) {
      List<LightNodes.Identity> identities = IntStream.range(0, NODES).mapToObj(i -> new LightNodes.Identity()).toList();
      HubScaleBenchmark.Echoes echoes = new HubScaleBenchmark.Echoes();
      List<LightNodes.Node> registered = new ArrayList<>();
      HubScaleBenchmark.register(nodes, identities, new InetSocketAddress("127.0.0.1", port), NodeId.parse(hub.id()),
          echoes, registered);
      assertEquals("every light node registered", NODES, registered.size());

      String listed = hub.ok("hub:nodes");
      for (LightNodes.Identity i : identities) {
        assertTrue("the hub lists " + i.id() + ":\n" + listed, listed.contains(i.id().toString()));
      }
      Await.until("the hub answers the light nodes' pings", () -> nodes.pongs.sum() >= NODES, SETTLE);
      Await.until("the hub answers the light nodes' path probes", () -> nodes.hubsAnswered.sum() >= NODES, SETTLE);

      List<Double> rtts = HubScaleBenchmark.signal(registered, echoes, SIGNALS);
      assertEquals("every signal came back through the hub", SIGNALS, rtts.size());
      assertEquals("no session was lost", 0, nodes.sessionsLost.sum());
    }
  }
}
