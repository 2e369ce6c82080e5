package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.testing.ManualScheduler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A Retry token proves the address: only ours, unchanged, in time and from where it was sent to. */
class AddressTokenTest {
  private static final InetSocketAddress V1 = new InetSocketAddress("fd6d:6163:756c:6100::1", 4433);
  private static final InetSocketAddress V2 = new InetSocketAddress("fd6d:6163:756c:6100::2", 4433);
  private final ManualScheduler clock = new ManualScheduler();
  private final Map<InetSocketAddress, String> origins =
      Map.of(V1, "direct /198.51.100.7:4000", V2, "direct /198.51.100.8:4000");
  private final AddressToken tokens = new AddressToken(origins::get, clock.clock(), Duration.ofSeconds(10), () -> true);
  private final ByteBuf dcid = Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

  @Test
  void aTokenItWroteValidatesAndGivesTheOriginalConnectionId() {
    ByteBuf token = write(V1);
    int at = tokens.validateToken(token, V1);
    assertTrue(at > 0);
    assertEquals(dcid, token.slice(at, token.readableBytes() - at));
    assertTrue(token.readableBytes() <= tokens.maxTokenLength());
  }

  @Test
  void aTokenForAnotherAddressIsRefused() {
    assertEquals(-1, tokens.validateToken(write(V1), V2));
  }

  @Test
  void aChangedByteIsRefusedWherever() {
    ByteBuf good = write(V1);
    for (int i = 0; i < good.readableBytes(); i++) {
      ByteBuf forged = good.copy();
      forged.setByte(i, forged.getByte(i) ^ 0x01);
      assertEquals(-1, tokens.validateToken(forged, V1), "byte " + i);
    }
  }

  @Test
  void anExpiredTokenIsRefused() {
    ByteBuf token = write(V1);
    clock.advance(Duration.ofSeconds(11));
    assertEquals(-1, tokens.validateToken(token, V1));
  }

  @Test
  void anotherEndpointsTokenIsRefused() {
    AddressToken other = new AddressToken(origins::get, clock.clock(), Duration.ofSeconds(10), () -> true);
    ByteBuf token = Unpooled.buffer();
    other.writeToken(token, dcid.duplicate(), V1);
    assertEquals(-1, tokens.validateToken(token, V1));
  }

  @Test
  void noRetryIsAskedForUnlessItIsNeededNow() {
    boolean[] needed = {false};
    AddressToken sometimes = new AddressToken(origins::get, clock.clock(), Duration.ofSeconds(10), () -> needed[0]);
    ByteBuf out = Unpooled.buffer();
    assertEquals(false, sometimes.writeToken(out, dcid.duplicate(), V1));
    assertEquals(0, out.readableBytes());
    needed[0] = true;
    assertTrue(sometimes.writeToken(out, dcid.duplicate(), V1));
    assertTrue(sometimes.validateToken(out, V1) > 0);
  }

  @Test
  void garbageIsRefused() {
    assertEquals(-1, tokens.validateToken(Unpooled.wrappedBuffer("netty".getBytes()), V1));
    assertEquals(-1, tokens.validateToken(Unpooled.EMPTY_BUFFER, V1));
  }

  private ByteBuf write(InetSocketAddress address) {
    ByteBuf out = Unpooled.buffer();
    assertTrue(tokens.writeToken(out, dcid.duplicate(), address));
    return out;
  }
}
