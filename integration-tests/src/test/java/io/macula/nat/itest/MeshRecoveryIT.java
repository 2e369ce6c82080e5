package io.macula.nat.itest;

import static org.junit.Assert.assertTrue;

import java.time.Duration;
import org.junit.Test;

/** The hub dies and comes back: the nodes, never restarted, register again and connect again. */
public class MeshRecoveryIT {
  @Test
  public void nodesRegisterAgainAfterTheHubRestarts() throws Exception {
    try (Mesh mesh = Mesh.start("recovery")) {
      NodeProcess a = mesh.node("recovery-a", true);
      NodeProcess b = mesh.node("recovery-b", true);
      String aId = a.id();
      String bId = b.id();

      mesh.hub.kill();
      long down = System.nanoTime();
      Await.until("a sees the hub gone", () -> a.ok("nat:id").contains("hub down"), Duration.ofSeconds(30));
      mesh.hub.start();

      Await.until("both nodes registered again", () -> {
        String nodes = mesh.hub.ok("hub:nodes");
        return nodes.contains(aId) && nodes.contains(bId);
      }, Duration.ofSeconds(30));
      long seconds = Duration.ofNanos(System.nanoTime() - down).toSeconds();
      assertTrue("registered again " + seconds + " s after the hub went down", seconds < 20);

      a.ok("nat:disable", "direct");
      a.ok("nat:disable", "holepunch");
      String connect = a.ok("nat:connect", bId);
      assertTrue(connect, connect.contains("by hubrelay"));
      assertTrue(a.ok("nat:send", bId, "5").contains("matches"));
    }
  }
}
