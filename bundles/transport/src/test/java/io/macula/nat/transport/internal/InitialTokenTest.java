package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Reading an Initial's token (RFC 9000 §17.2.2), valid and cut-short packets side by side. */
class InitialTokenTest {
  static Stream<Arguments> initials() {
    return Stream.of(
        // first byte, version 1, DCID of 2, SCID of 1, token length (1-byte varint) 3, token
        Arguments.of("whole, 1-byte length", "c3" + "00000001" + "02aabb" + "01cc" + "03" + "010203" + "ffff", "010203"),
        Arguments.of("2-byte length", "c3" + "00000001" + "00" + "00" + "4003" + "0a0b0c", "0a0b0c"),
        Arguments.of("no token", "c3" + "00000001" + "02aabb" + "01cc" + "00" + "ffff", ""),
        Arguments.of("token longer than the packet", "c3" + "00000001" + "00" + "00" + "05" + "0102", ""),
        Arguments.of("cut in the connection ids", "c3" + "00000001" + "08aabb", ""),
        Arguments.of("cut in the length", "c3" + "00000001" + "00" + "00" + "40", ""),
        Arguments.of("only a header byte", "c3", ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("initials")
  void theTokenOrNothing(String name, String packet, String token) {
    ByteBuf b = Unpooled.wrappedBuffer(HexFormat.of().parseHex(packet));
    ByteBuf t = PathLayer.initialToken(b);
    byte[] got = new byte[t.readableBytes()];
    t.getBytes(t.readerIndex(), got);
    assertEquals(token, HexFormat.of().formatHex(got));
  }
}
