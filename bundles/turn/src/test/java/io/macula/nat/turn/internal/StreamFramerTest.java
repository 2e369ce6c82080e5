package io.macula.nat.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** TURN's messages on a TCP stream, however the stream splits them. */
class StreamFramerTest {
  private static final String STUN = "010100102112a442b7e7a701bc34d686fa87dfae" + "000d0004" + "00000258" + "80280004" + "01020304";
  private static final String CHANNEL_DATA = "40010005" + "6162636465" + "000000";

  @Test
  void messagesComeOutWholeWhereverTheStreamIsCut() {
    byte[] stream = HexFormat.of().parseHex(STUN + CHANNEL_DATA + STUN);
    for (int cut = 1; cut < stream.length; cut++) {
      List<String> out = new ArrayList<>();
      StreamFramer framer = new StreamFramer(m -> out.add(ByteBufUtil.hexDump(m)));
      framer.received(Unpooled.wrappedBuffer(stream, 0, cut));
      framer.received(Unpooled.wrappedBuffer(stream, cut, stream.length - cut));
      assertEquals(List.of(STUN, "400100056162636465", STUN), out, "cut at " + cut);
    }
  }

  @Test
  void aStreamOutOfStepIsRefused() {
    StreamFramer framer = new StreamFramer(m -> { });
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> framer.received(Unpooled.wrappedBuffer(HexFormat.of().parseHex("c3000000"))));
    assertEquals("a TURN stream out of step: first byte 0xc3", e.getMessage());
  }
}
