package io.macula.nat.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NatBehavior;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The paths netcheck predicts, and its two forms of one report. */
class NetcheckCommandsTest {
  @Test
  void aRelayThatAnsweredTakesWhatTheHubWouldRelayButNotWhereUdpIsBlocked() {
    assertEquals("hub-relay", NetcheckCommands.path(NatBehavior.SYMMETRIC, NatBehavior.SYMMETRIC, false, false));
    assertEquals("peer-relay", NetcheckCommands.path(NatBehavior.SYMMETRIC, NatBehavior.SYMMETRIC, false, true));
    assertEquals("turn", NetcheckCommands.path(NatBehavior.SYMMETRIC, NatBehavior.SYMMETRIC, true, true),
        "TURN goes before a peer relay");
    assertEquals("hub-relay", NetcheckCommands.path(NatBehavior.SYMMETRIC, NatBehavior.UDP_BLOCKED, false, true));
    assertEquals("hole-punched",
        NetcheckCommands.path(NatBehavior.FULL_CONE, NatBehavior.PORT_RESTRICTED_CONE, false, true));
    assertEquals("unknown", NetcheckCommands.path(NatBehavior.UNKNOWN, NatBehavior.NONE, false, false));
  }

  @Test
  void theTextAndTheJsonTellTheSameReport() {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("udp", false);
    r.put("nat", "udp-blocked");
    r.put("mapping", "unknown");
    r.put("filtering", "unknown");
    r.put("hairpinning", null);
    r.put("mapped", null);
    r.put("stun", List.of(Map.of("server", "203.0.113.10:7400", "error", "no answer within 3000 ms")));
    Map<String, Object> hub = new LinkedHashMap<>();
    hub.put("id", "hubid");
    hub.put("address", "203.0.113.10:7400");
    hub.put("up", true);
    hub.put("transport", "tcp (UDP to 203.0.113.10:7400 got no answer within 3 s)");
    hub.put("rtt_ms", 1.5);
    r.put("hub", hub);
    Map<String, Object> turn = new LinkedHashMap<>();
    turn.put("servers", List.of());
    turn.put("relayed", null);
    r.put("turn", turn);
    r.put("relays", List.of());
    r.put("paths", Map.of("none", "hub-relay"));

    String text = NetcheckCommands.text(r);
    assertTrue(text.startsWith("udp          no (blocked)\nnat          udp-blocked (mapping unknown, filtering unknown)\n"), text);
    assertTrue(text.contains("stun         203.0.113.10:7400: no answer within 3000 ms\n"), text);
    assertTrue(text.contains("hub          hubid at 203.0.113.10:7400: up over tcp (UDP to 203.0.113.10:7400 got no"
        + " answer within 3 s), 1.50 ms\n"), text);
    assertTrue(text.contains("turn         no server\nrelays       none offered\n"), text);
    assertTrue(text.endsWith("  none                   hub-relay\n"), text);

    String json = Json.of(r);
    assertTrue(json.startsWith("{\"udp\":false,\"nat\":\"udp-blocked\",\"mapping\":\"unknown\","
        + "\"filtering\":\"unknown\",\"hairpinning\":null,\"mapped\":null,\"stun\":[{"), json);
    assertTrue(json.contains("\"rtt_ms\":1.500") && json.endsWith("\"paths\":{\"none\":\"hub-relay\"}}"), json);
  }

  @Test
  void jsonEscapesWhatWouldBreakIt() {
    assertEquals("[\"a\\\"b\\\\c\\nd\\u0001\",1,2.500,true,null]", Json.of(java.util.Arrays.asList(
        "a\"b\\c\nd\u0001", 1, 2.5, true, null)));
  }
}
