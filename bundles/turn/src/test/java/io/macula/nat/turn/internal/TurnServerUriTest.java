package io.macula.nat.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 7065's turn: URIs and plain host:port, and what is refused with a reason. */
class TurnServerUriTest {
  @Test
  void aUriGivesHostPortAndTransport() {
    TurnServerUri u = TurnServerUri.parse("turn:turn.example.org:3479?transport=tcp");
    assertEquals("turn.example.org", u.hostPort().host());
    assertEquals(3479, u.hostPort().port());
    assertEquals(List.of("tcp"), u.transports());
    assertEquals(3478, TurnServerUri.parse("turn:192.0.2.1").hostPort().port(), "the default port");
    assertEquals(3478, TurnServerUri.parse("turn:[2001:db8::1]").hostPort().port());
    assertEquals(List.of("udp"), TurnServerUri.parse("TURN:192.0.2.1?transport=UDP").transports());
  }

  @Test
  void turnsIsTlsOnItsOwnPort() {
    TurnServerUri u = TurnServerUri.parse("turns:turn.example.org");
    assertEquals(List.of("tls"), u.transports());
    assertEquals(5349, u.hostPort().port());
    assertEquals(443, TurnServerUri.parse("turns:turn.example.org:443?transport=tcp").hostPort().port());
  }

  @Test
  void withoutATransportUdpIsTriedThenTcp() {
    assertEquals(List.of("udp", "tcp"), TurnServerUri.parse("turn:192.0.2.1:3478").transports());
    assertEquals(List.of("udp", "tcp"), TurnServerUri.parse("192.0.2.1:3478").transports());
  }

  @Test
  void whatCannotBeUsedIsRefusedSayingWhy() {
    assertTrue(refusal("turns:192.0.2.1?transport=udp").contains("turns: is TCP only"));
    assertTrue(refusal("turn:192.0.2.1?transport=sctp").contains("transport=udp or transport=tcp"));
    assertTrue(refusal("https://192.0.2.1:3478").contains("turn:host[:port]"));
    assertTrue(refusal("192.0.2.1").contains("192.0.2.1"));
    assertTrue(refusal("turn:192.0.2.1:0").contains("port 0"));
  }

  private static String refusal(String text) {
    return assertThrows(IllegalArgumentException.class, () -> TurnServerUri.parse(text)).getMessage();
  }
}
