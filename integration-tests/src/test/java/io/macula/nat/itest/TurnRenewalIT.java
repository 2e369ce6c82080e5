package io.macula.nat.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * A connection over TURN outlives the time-limited credentials its allocation was made with: the
 * hub's last 30 s here, its TURN server ends an allocation with them, so the node holding it
 * allocates anew before they run out and both sides move the live connection to the new relayed
 * address, with no reconnect; the old allocation is deleted.
 */
public class TurnRenewalIT {
  private static Mesh mesh;
  private static NodeProcess a;
  private static NodeProcess b;

  @BeforeClass
  public static void start() throws Exception {
    mesh = Mesh.start("renew", "turn_credentials_s = 30\n");
    mesh.hubTurnServer();
    a = mesh.node("renew-a", true);
    b = mesh.node("renew-b", true);
    a.ok("nat:disable", "direct");
    a.ok("nat:disable", "holepunch");
  }

  @AfterClass
  public static void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  public void aTurnConnectionMovesToARenewedAllocationAndOutlivesTheOld() {
    String bId = b.id();
    String connect = a.ok("nat:connect", bId);
    assertTrue(connect, connect.contains("by turn (turn path)"));
    String connection = cell(a, bId, 1);
    String relayedBefore = cell(a, bId, 4);

    Await.until("both sides moved the connection to b's renewed allocation",
        () -> a.ok("nat:moves").contains("the peer's TURN allocation was renewed")
            && b.ok("nat:moves").contains("its TURN allocation was renewed"), Duration.ofSeconds(60));
    String relayedAfter = cell(a, bId, 4);
    assertNotEquals("a sends to b's new relayed address", relayedBefore, relayedAfter);
    Await.until("b's old allocation is deleted: b holds one",
        () -> allocationsOf(bId) == 1, Duration.ofSeconds(40));

    String sent = a.ok("nat:send", bId, "2");
    assertTrue(sent, sent.contains("over connection " + connection + ",") && sent.contains("turn path")
        && sent.contains("matches"));
    String back = b.ok("nat:send", a.id(), "1");
    assertTrue(back, back.contains("turn path") && back.contains("matches"));
    assertEquals("the same connection all along", connection, cell(a, bId, 1));
  }

  /** One cell of a node's nat:paths row for a peer. */
  private static String cell(NodeProcess node, String peer, int column) {
    return node.pathsRow(peer).orElseThrow(() -> new AssertionError("no connection to " + peer))[column];
  }

  /** The allocations the hub's TURN server holds for a node (its id is the user). */
  private static long allocationsOf(String user) {
    Matcher m = Pattern.compile("(?m)^\\S+\\s+udp\\s+\\d+:" + Pattern.quote(user) + "\\s").matcher(mesh.hub.ok("hub:turn"));
    return m.results().count();
  }

}
