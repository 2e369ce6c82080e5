package io.macula.nat.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NodeIdTest {
  @Test
  void textRoundTripsForManyIds() {
    Random random = new Random(42);
    for (int i = 0; i < 10_000; i++) {
      byte[] bytes = new byte[NodeId.LENGTH];
      random.nextBytes(bytes);
      NodeId id = NodeId.of(bytes);
      String text = id.toString();
      assertEquals(NodeId.TEXT_LENGTH, text.length());
      assertEquals(id, NodeId.parse(text));
      assertEquals(id, NodeId.parse(text.toUpperCase()));
      assertArrayEquals(bytes, NodeId.parse(text).toBytes());
    }
  }

  @Test
  void knownVectors() {
    // RFC 4648 §10 base32 of bytes 0x00..: all-zero bytes are all 'a'; 0xff.. is all '7' then 'q'.
    assertEquals("a".repeat(52), NodeId.of(new byte[32]).toString());
    byte[] ones = new byte[32];
    java.util.Arrays.fill(ones, (byte) 0xff);
    assertEquals("7".repeat(51) + "q", NodeId.of(ones).toString());
  }

  @Test
  void aPublicKeyGivesItsSha256() {
    NodeId a = NodeId.ofPublicKey(new byte[] {1, 2, 3});
    assertEquals(a, NodeId.ofPublicKey(new byte[] {1, 2, 3}));
    assertNotEquals(a, NodeId.ofPublicKey(new byte[] {1, 2, 4}));
  }

  static Stream<Arguments> badTexts() {
    return Stream.of(
        Arguments.of("", "a node id has 52 characters, '' has 0"),
        Arguments.of("abc", "a node id has 52 characters, 'abc' has 3"),
        Arguments.of("a".repeat(51) + "1", "a node id uses a-z and 2-7 only; '1' at position 52"),
        Arguments.of("a".repeat(51) + "b", "is not a canonical node id"));
  }

  @ParameterizedTest
  @MethodSource("badTexts")
  void badTextNamesTheProblem(String text, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeId.parse(text));
    assertEquals(true, e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void aWrongNumberOfBytesIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> NodeId.of(new byte[31]));
  }
}
