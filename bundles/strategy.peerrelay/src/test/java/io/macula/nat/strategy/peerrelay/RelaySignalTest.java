package io.macula.nat.strategy.peerrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NodeId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RelaySignalTest {
  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[5] = (byte) n;
    return NodeId.of(id);
  }

  @Test
  void everyMessageSurvivesTheWire() throws Exception {
    Map<NodeId, Duration> relays = new LinkedHashMap<>();
    relays.put(node(1), Duration.ofMillis(3));
    relays.put(node(2), Duration.ofNanos(1_250_000));
    for (RelaySignal s : new RelaySignal[] {
        new RelaySignal.Offer("abc123", false, relays), new RelaySignal.Offer("x", true, relays),
        new RelaySignal.Use("s1", node(7)), new RelaySignal.Refuse("s2", "the relay is at its limit of 1 pair")}) {
      assertEquals(s, RelaySignal.decode(RelaySignal.encode(s)));
    }
  }

  @Test
  void malformedSignalsAreRefusedWithAReason() {
    String id = node(1).toString();
    for (String text : new String[] {
        "peerrelay/1 offer s1 connect", "peerrelay/1 offer s1 sideways " + id + ":10",
        "peerrelay/1 offer s1 connect " + id, "peerrelay/1 offer s1 connect " + id + ":-1",
        "peerrelay/1 offer s1 connect " + id + ":x", "peerrelay/1 offer s1 connect nobody:10",
        "peerrelay/1 offer s1 connect " + (id + ":1 ").repeat(5).strip(), "peerrelay/1 use s1 nobody",
        "peerrelay/1 use", "peerrelay/1 jump s1 x", "peerrelay/1 use s/1 " + id, "turn/1 request s1"}) {
      RelaySignal.Malformed e = assertThrows(RelaySignal.Malformed.class,
          () -> RelaySignal.decode(text.getBytes(StandardCharsets.UTF_8)), text);
      assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), text);
    }
  }

  @Test
  void aLongRefusalIsCutToTheSignalsLimit() {
    byte[] encoded = RelaySignal.encode(new RelaySignal.Refuse("s", "x".repeat(5000)));
    assertEquals(RelaySignal.MAX_LENGTH, encoded.length);
  }
}
