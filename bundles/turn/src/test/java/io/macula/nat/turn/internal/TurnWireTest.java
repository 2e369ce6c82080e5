package io.macula.nat.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** What goes on the wire besides STUN: ChannelData framing, and the REST form of credentials. */
class TurnWireTest {
  @Test
  void channelDataIsPaddedOnTcpOnly() {
    ByteBuffer data = ByteBuffer.wrap("abcde".getBytes(StandardCharsets.US_ASCII));
    ByteBuf udp = ChannelData.encode(ByteBufAllocator.DEFAULT, 0x4001, data, false);
    ByteBuf tcp = ChannelData.encode(ByteBufAllocator.DEFAULT, 0x4001, data, true);

    assertEquals("40010005" + "6162636465", ByteBufUtil.hexDump(udp));
    assertEquals("40010005" + "6162636465" + "000000", ByteBufUtil.hexDump(tcp));
    ChannelData back = ChannelData.decode(tcp);
    assertEquals(0x4001, back.channel());
    assertEquals("abcde", back.data().toString(StandardCharsets.US_ASCII), "the padding is not data");
  }

  @Test
  void channelDataThatIsNotWholeIsNotChannelData() {
    assertNull(ChannelData.decode(Unpooled.wrappedBuffer(HexFormat.of().parseHex("400100"))));
    assertNull(ChannelData.decode(Unpooled.wrappedBuffer(HexFormat.of().parseHex("40010009" + "6162"))), "length past the end");
    assertNull(ChannelData.decode(Unpooled.wrappedBuffer(HexFormat.of().parseHex("00010000"))), "a STUN first byte");
    assertTrue(ChannelData.isChannelData(0x40) && ChannelData.isChannelData(0x4F));
    assertFalse(ChannelData.isChannelData(0x50) || ChannelData.isChannelData(0x3F));
  }

  /** The expected password is computed apart: base64 of HMAC-SHA1("1767225600:alice", "north"). */
  @Test
  void restCredentialsAreTheExpiryTheUserAndTheirMacUnderTheSecret() {
    Clock clock = Clock.fixed(Instant.parse("2025-12-31T23:00:00Z"), ZoneOffset.UTC);
    TurnCredentials c = TurnCredentials.rest("alice", "north".getBytes(StandardCharsets.UTF_8), Duration.ofHours(1), clock);

    assertEquals("1767225600:alice", c.username());
    assertEquals("qnVCfmDqv+5N7tpxKH0liO/huIU=", c.password());
    assertFalse(c.toString().contains(c.password()), "a log line never shows the password");
  }
}
