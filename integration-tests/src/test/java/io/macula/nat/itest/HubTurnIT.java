package io.macula.nat.itest;

import static org.junit.Assert.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The hub's own TURN server: the hub hands each node it admits time-limited credentials for it,
 * so a node with no TURN configuration of its own is reached by TURN through its hub, and the
 * hub's operator sees the allocation and what it relayed in hub:turn.
 */
public class HubTurnIT {
  private static Mesh mesh;
  private static NodeProcess a;
  private static NodeProcess b;
  private static int turnPort;

  @BeforeClass
  public static void start() throws Exception {
    mesh = Mesh.start("hubturn");
    turnPort = mesh.hubTurnServer();
    a = mesh.node("hubturn-a", true);
    b = mesh.node("hubturn-b", true);
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
  public void aNodeWithNoTurnConfigurationIsReachedThroughItsHubsTurnServer() {
    String bId = b.id();
    String connect = a.ok("nat:connect", bId);
    assertTrue(connect, connect.contains("by turn (turn path)"));
    String sent = a.ok("nat:send", bId, "5");
    assertTrue(sent, sent.contains("turn path via /127.0.0.1:") && sent.contains("matches"));
    String back = b.ok("nat:send", a.id(), "1");
    assertTrue(back, back.contains("turn path via turn 127.0.0.1:" + turnPort + "/udp relayed") && back.contains("matches"));

    // b's allocation, made with the credentials the hub gave it (its id is the user), took 5 MB in.
    String turn = mesh.hub.ok("hub:turn");
    Matcher row = Pattern.compile("(?m)^\\S+\\s+udp\\s+\\d+:" + Pattern.quote(bId)
        + "\\s+\\S+\\s+\\S+\\s+\\d+\\s+\\d+\\s+\\d+\\s+(\\d+)\\s+\\d+\\s+(\\d+)\\s*$").matcher(turn);
    assertTrue(turn, row.find());
    assertTrue(turn, Long.parseLong(row.group(2)) >= 5_000_000);
    assertTrue(turn, Long.parseLong(row.group(1)) >= 1_000_000);
  }
}
