package io.macula.nat.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.macula.nat.api.NodeId;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What an operator may type, what it parses to, and the one-line error when it is wrong. */
class ArgumentsTest {
  private static final NodeId NODE = NodeId.of(new byte[] {
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
      31, 32});

  // The class under test is named Arguments too: JUnit's is spelt out in full.
  static Stream<org.junit.jupiter.params.provider.Arguments> inputs() {
    return Stream.of(
        valid("integer", () -> Arguments.integer("priority", "42"), 42),
        valid("integer, spaces around", () -> Arguments.integer("priority", " -7 "), -7),
        invalid("integer, a word", () -> Arguments.integer("priority", "high"),
            "priority must be an integer, not 'high'"),
        invalid("integer, empty", () -> Arguments.integer("priority", ""), "priority must be an integer, not ''"),
        invalid("integer, a fraction", () -> Arguments.integer("priority", "4.5"),
            "priority must be an integer, not '4.5'"),
        invalid("integer, past int", () -> Arguments.integer("priority", "2147483648"),
            "priority must be an integer, not '2147483648'"),

        valid("bounded, the least", () -> Arguments.integer("count", "1", 1, 10_000), 1),
        valid("bounded, the most", () -> Arguments.integer("count", "10000", 1, 10_000), 10_000),
        invalid("bounded, below", () -> Arguments.integer("count", "0", 1, 10_000), "count must be 1 to 10000, not 0"),
        invalid("bounded, above", () -> Arguments.integer("count", "10001", 1, 10_000),
            "count must be 1 to 10000, not 10001"),
        invalid("bounded, a word", () -> Arguments.integer("count", "many", 1, 10_000),
            "count must be an integer, not 'many'"),

        valid("millis, 1", () -> Arguments.positiveMillis("timeout", "1"), 1L),
        valid("millis, past int", () -> Arguments.positiveMillis("timeout", " 3000000000 "), 3_000_000_000L),
        invalid("millis, zero", () -> Arguments.positiveMillis("timeout", "0"), "timeout must be at least 1 ms, not 0"),
        invalid("millis, negative", () -> Arguments.positiveMillis("timeout", "-5"),
            "timeout must be at least 1 ms, not -5"),
        invalid("millis, with a unit", () -> Arguments.positiveMillis("timeout", "2s"),
            "timeout must be a number of milliseconds, not '2s'"),

        valid("address, IPv4", () -> Arguments.address("address", "192.0.2.1:7400"),
            new InetSocketAddress("192.0.2.1", 7400)),
        valid("address, IPv6 in brackets", () -> Arguments.address("address", "[2001:db8::1]:7400"),
            new InetSocketAddress("2001:db8::1", 7400)),
        invalid("address, port 0", () -> Arguments.address("address", "192.0.2.1:0"),
            "address: '192.0.2.1:0' has port 0: an address to reach needs 1-65535"),
        invalid("address, no port", () -> Arguments.address("address", "192.0.2.1"),
            "address: '192.0.2.1' is not host:port"),
        invalid("address, a bad port", () -> Arguments.address("address", "192.0.2.1:http"),
            "address: '192.0.2.1:http' has a bad port"),
        invalid("address, port too large", () -> Arguments.address("address", "192.0.2.1:65536"),
            "address: '192.0.2.1:65536' has port 65536, outside 0-65535"),

        valid("node", () -> Arguments.node(NODE.toString()), NODE),
        valid("node, upper case and spaces", () -> Arguments.node(" " + NODE.toString().toUpperCase() + " "), NODE),
        invalid("node, too short", () -> Arguments.node("abc"),
            "not a node id: a node id has 52 characters, 'abc' has 3"),
        invalid("node, a letter outside base32", () -> Arguments.node("1" + NODE.toString().substring(1)),
            "not a node id: a node id uses a-z and 2-7 only; '1' at position 1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("inputs")
  void parsesOrSaysWhichArgumentIsWrong(String name, Callable<Object> parse, Object value, String error)
      throws Exception {
    if (error == null) {
      assertEquals(value, parse.call());
    } else {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, parse::call);
      assertEquals(error, e.getMessage());
    }
  }

  private static org.junit.jupiter.params.provider.Arguments valid(String name, Callable<Object> parse, Object value) {
    return org.junit.jupiter.params.provider.Arguments.of(name, parse, value, null);
  }

  private static org.junit.jupiter.params.provider.Arguments invalid(String name, Callable<Object> parse, String error) {
    return org.junit.jupiter.params.provider.Arguments.of(name, parse, null, error);
  }
}
