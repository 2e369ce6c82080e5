package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.macula.nat.api.NodeId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzzing of the relay frame header (Jazzer): whatever the bytes, reading a frame
 * throws nothing but {@link IllegalArgumentException}, and only for fewer bytes than a header (or,
 * for the source of a frame between relays, than that header); the nodes it reads are those a
 * header written for them names again.
 *
 * <p>The first input byte's low two bits say how many bytes precede the frame in its buffer, as
 * when a frame is a slice of a larger one: reads must be relative to the reader index.
 *
 * <p>{@code mvn verify} runs the seeds below and nothing else; {@code mvn -Pfuzz} fuzzes (see the
 * root pom). A crash the fuzzer finds is kept here as a seed, named for its bug.
 */
class RelayFrameFuzzTest {
  private static final String NODE = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

  static Stream<Arguments> seeds() {
    return Stream.of(
        seed("TO_RELAY with a packet", "00" + "08000000" + NODE + "c0ffee"),
        seed("FROM_RELAY after two bytes", "02" + "abcd" + "09000000" + NODE + "40"),
        seed("a header and no packet", "00" + "09000000" + NODE),
        seed("one byte short of a header", "01" + "ff" + "08000000" + NODE.substring(2)),
        seed("BETWEEN_RELAYS with a packet", "00" + "0a000000" + NODE + NODE + "c0ffee"),
        seed("BETWEEN_RELAYS one byte short of its source", "00" + "0a000000" + NODE + NODE.substring(2)));
  }

  private static Arguments seed(String name, String hex) {
    return Arguments.of(Named.of(name, HexFormat.of().parseHex(hex)));
  }

  @MethodSource("seeds")
  @FuzzTest
  void readsTheNodeOrRefusesAShortFrame(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int skip = Math.min(input[0] & 0x3, input.length - 1);
    ByteBuf frame = Unpooled.wrappedBuffer(input, 1, input.length - 1).skipBytes(skip);
    if (frame.isReadable()) {
      int type = input[1 + skip];
      assertEquals(type == RelayFrame.TO_RELAY || type == RelayFrame.FROM_RELAY || type == RelayFrame.BETWEEN_RELAYS,
          RelayFrame.isRelayFrame(frame.getUnsignedByte(frame.readerIndex())));
    }

    NodeId node;
    try {
      node = RelayFrame.node(frame);
    } catch (IllegalArgumentException e) {
      assertTrue(frame.readableBytes() < RelayFrame.HEADER_LENGTH, "refused a whole header: " + e.getMessage());
      return;
    }
    assertFalse(frame.readableBytes() < RelayFrame.HEADER_LENGTH, "read a node from a short frame");
    int at = 1 + skip + 4;
    assertArrayEquals(Arrays.copyOfRange(input, at, at + NodeId.LENGTH), node.toBytes());
    try {
      NodeId source = RelayFrame.source(frame);
      assertFalse(frame.readableBytes() < RelayFrame.BETWEEN_HEADER_LENGTH, "read a source from a short frame");
      at += NodeId.LENGTH;
      assertArrayEquals(Arrays.copyOfRange(input, at, at + NodeId.LENGTH), source.toBytes());
    } catch (IllegalArgumentException e) {
      assertTrue(frame.readableBytes() < RelayFrame.BETWEEN_HEADER_LENGTH, "refused a whole header: " + e.getMessage());
    }

    ByteBuf header = Unpooled.buffer(RelayFrame.HEADER_LENGTH);
    RelayFrame.writeHeader(header, RelayFrame.FROM_RELAY, 0x123456789L, node);
    assertEquals(RelayFrame.HEADER_LENGTH, header.readableBytes());
    assertEquals(RelayFrame.FROM_RELAY, header.getUnsignedByte(0));
    assertEquals(0x456789, RelayFrame.sequence(header), "the sequence number's low 24 bits");
    assertEquals(node, RelayFrame.node(header));
    assertArrayEquals(node.toBytes(), ByteBufUtil.getBytes(header, 4, NodeId.LENGTH));

    ByteBuf between = Unpooled.buffer(RelayFrame.BETWEEN_HEADER_LENGTH);
    NodeId other = NodeId.of(Arrays.copyOf(new byte[] {7}, NodeId.LENGTH));
    RelayFrame.writeBetweenHeader(between, 5, node, other);
    assertEquals(RelayFrame.BETWEEN_HEADER_LENGTH, between.readableBytes());
    assertEquals(node, RelayFrame.node(between), "the destination first");
    assertEquals(other, RelayFrame.source(between));
  }
}
