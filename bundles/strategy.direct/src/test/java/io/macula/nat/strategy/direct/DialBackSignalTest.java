package io.macula.nat.strategy.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DialBackSignalTest {
  @Test
  void roundTrips() throws Exception {
    DialBackSignal dial = new DialBackSignal.Dial("abc123");
    assertEquals(dial, DialBackSignal.decode(DialBackSignal.encode(dial)));
    DialBackSignal refuse = new DialBackSignal.Refuse("abc123", "busy: 8 dials under way");
    assertEquals(refuse, DialBackSignal.decode(DialBackSignal.encode(refuse)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"direct/1 dial", "direct/1 dial ab-c", "direct/1 dial abc 198.51.100.1:4000",
      "direct/1 call abc", "direct/1 dial aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
  void malformedSignalsAreRefused(String text) {
    assertThrows(DialBackSignal.Malformed.class, () -> DialBackSignal.decode(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void anotherStrategysSignalIsNotTaken() {
    assertFalse(DialBackSignal.isDirect("turn/1 request abc".getBytes(StandardCharsets.UTF_8)));
  }
}
