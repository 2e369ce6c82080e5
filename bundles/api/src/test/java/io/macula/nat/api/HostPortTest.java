package io.macula.nat.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HostPortTest {
  static Stream<Arguments> wellFormed() {
    return Stream.of(
        Arguments.of("127.0.0.1:7400", "127.0.0.1", 7400, "127.0.0.1:7400"),
        Arguments.of(" hub.example.org:3478 ", "hub.example.org", 3478, "hub.example.org:3478"),
        Arguments.of("[2001:db8::1]:9", "2001:db8::1", 9, "[2001:db8::1]:9"),
        Arguments.of("0.0.0.0:0", "0.0.0.0", 0, "0.0.0.0:0"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wellFormed")
  void parsesAndWritesBack(String text, String host, int port, String written) {
    HostPort h = HostPort.parse(text);
    assertEquals(new HostPort(host, port), h);
    assertEquals(written, h.toString());
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("localhost", "is not host:port"),
        Arguments.of(":7400", "is not host:port"),
        Arguments.of("localhost:", "is not host:port"),
        Arguments.of("localhost:x", "has a bad port"),
        Arguments.of("localhost:70000", "has port 70000, outside 0-65535"),
        Arguments.of("localhost:-1", "has port -1, outside 0-65535"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void namesWhatIsWrong(String text, String why) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text));
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void anAddressToReachNeedsARealPort() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parseRemote("h:0"));
    assertTrue(e.getMessage().contains("port 0"), e.getMessage());
    assertEquals(5, HostPort.parseRemote("h:5").port());
  }
}
