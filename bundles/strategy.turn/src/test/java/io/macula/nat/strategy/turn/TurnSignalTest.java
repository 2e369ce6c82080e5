package io.macula.nat.strategy.turn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The TURN strategies' signals: what one encodes the other decodes; anything else is refused. */
class TurnSignalTest {
  @Test
  void eachSignalSurvivesTheWire() throws Exception {
    List<TurnSignal> signals = List.of(
        new TurnSignal.Request("abc123", List.of(new InetSocketAddress("203.0.113.5", 40000),
            new InetSocketAddress("2001:db8::5", 40001))),
        new TurnSignal.Request("abc123", List.of()),
        new TurnSignal.Relay("abc123", new InetSocketAddress("198.51.100.9", 50000)),
        new TurnSignal.Refuse("abc123", "no TURN server is configured"),
        new TurnSignal.Moved("m1", new InetSocketAddress("198.51.100.9", 50000),
            new InetSocketAddress("198.51.100.9", 50002)),
        new TurnSignal.MovedOk("m1"));
    for (TurnSignal s : signals) {
      assertEquals(s, TurnSignal.decode(TurnSignal.encode(s)));
    }
  }

  @Test
  void aRefusalsReasonKeepsToOneLineAndTheSignalToItsLimit() throws Exception {
    TurnSignal.Refuse r = (TurnSignal.Refuse) TurnSignal.decode(TurnSignal.encode(
        new TurnSignal.Refuse("s1", "first\nsecond " + "x".repeat(5000))));
    assertTrue(r.reason().startsWith("first second x"));
    assertTrue(TurnSignal.encode(r).length <= TurnSignal.MAX_LENGTH);
  }

  @Test
  void malformedSignalsAreRefused() {
    for (String text : List.of("turn/1 request", "turn/1 request bad-session!", "turn/1 relay s1 not-an-address",
        "turn/1 relay s1 turn.example.org:3478", "turn/1 hello s1", "turn/1 request s1 1.2.3.4:1 1.2.3.4:2"
            + " 1.2.3.4:3 1.2.3.4:4 1.2.3.4:5", "turn/1 relay s1 1.2.3.4:0",
        "turn/1 relay s1 999.1.1.1:3478", "turn/1 relay s1 cafe:3478", "turn/1 relay s1 1.2.3:3478",
        "turn/1 moved m1 1.2.3.4:5", "turn/1 moved m1 1.2.3.4:5 1.2.3.4:6 1.2.3.4:7",
        "turn/1 moved m1 1.2.3.4:5 example.org:6", "turn/1 moved-ok m1 1.2.3.4:5")) {
      assertThrows(TurnSignal.Malformed.class, () -> TurnSignal.decode(text.getBytes(StandardCharsets.UTF_8)), text);
    }
    assertFalse(TurnSignal.isTurn("ice/1 offer x".getBytes(StandardCharsets.UTF_8)));
  }
}
