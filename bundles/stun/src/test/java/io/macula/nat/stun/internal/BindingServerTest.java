package io.macula.nat.stun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.ResponsePort;
import io.macula.nat.stun.api.Software;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.UnknownAttributes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A STUN server on the internet must not amplify: short answers, aimed only at the asker, rate-limited. */
class BindingServerTest {
  private static final InetSocketAddress SERVER = new InetSocketAddress("203.0.113.10", 3478);
  private static final InetSocketAddress CLIENT = new InetSocketAddress("198.51.100.7", 40000);

  private record Sent(InetSocketAddress to, byte[] bytes) {
    StunMessage message() {
      return StunCodec.decode(Unpooled.wrappedBuffer(bytes));
    }
  }

  private final List<Sent> sent = new ArrayList<>();
  private final AtomicLong nanos = new AtomicLong();
  private final StunCounters counters = new StunCounters();

  private BindingServer server(boolean rfc5780, String software, int perSecond) throws Exception {
    List<BindingServer.Socket> sockets = new ArrayList<>();
    sockets.add(new BindingServer.Socket(SERVER, this::record));
    if (rfc5780) {
      for (InetSocketAddress a : BindingServer.alternates(SERVER.getAddress(), SERVER.getPort(),
          InetAddress.getByName("203.0.113.11"), SERVER.getPort() + 1)) {
        sockets.add(new BindingServer.Socket(a, this::record));
      }
    }
    return new BindingServer(sockets, software, new SourceRateLimit(perSecond, nanos::get), counters);
  }

  private void record(InetSocketAddress to, ByteBuffer datagram) {
    byte[] b = new byte[datagram.remaining()];
    datagram.duplicate().get(b);
    sent.add(new Sent(to, b));
  }

  private static ByteBuf request(StunMessage m) {
    return StunCodec.encode(ByteBufAllocator.DEFAULT, m, null, false, false);
  }

  private void ask(BindingServer server, InetSocketAddress from, StunMessage m) {
    ByteBuf raw = request(m);
    try {
      server.received(SERVER, from, raw);
    } finally {
      raw.release();
    }
  }

  @Test
  void anAnswerCarriesNoSoftwareByDefaultAndIsAtMostTwiceTheRequest() throws Exception {
    ask(server(false, "", 0), CLIENT, StunMessage.bindingRequest());
    assertEquals(1, sent.size());
    assertTrue(sent.get(0).message().attribute(Software.class).isEmpty());
    assertTrue(sent.get(0).bytes().length <= 2.2 * 20, sent.get(0).bytes().length + " bytes");
  }

  @Test
  void withoutRfc5780AResponsePortIsAnUnknownAttributeAnsweredToTheAsker() throws Exception {
    ask(server(false, "", 0), CLIENT, StunMessage.bindingRequest(new ResponsePort(5000)));
    Sent s = sent.get(0);
    assertEquals(CLIENT, s.to());
    assertEquals(StunClass.ERROR_RESPONSE, s.message().messageClass());
    assertEquals(420, s.message().attribute(ErrorCode.class).orElseThrow().code());
    assertEquals(List.of(ResponsePort.TYPE), s.message().attribute(UnknownAttributes.class).orElseThrow().types());
  }

  @Test
  void aResponsePortBelow1024IsRefusedToTheAsker() throws Exception {
    for (int port : new int[] {0, 53, 1023}) {
      sent.clear();
      ask(server(true, "", 0), CLIENT, StunMessage.bindingRequest(new ResponsePort(port)));
      assertEquals(CLIENT, sent.get(0).to(), "port " + port);
      assertEquals(400, sent.get(0).message().attribute(ErrorCode.class).orElseThrow().code());
    }
  }

  @Test
  void withRfc5780AResponsePortIsHonoured() throws Exception {
    ask(server(true, "", 0), CLIENT, StunMessage.bindingRequest(new ResponsePort(5000)));
    assertEquals(new InetSocketAddress(CLIENT.getAddress(), 5000), sent.get(0).to());
    assertEquals(StunClass.SUCCESS_RESPONSE, sent.get(0).message().messageClass());
  }

  @Test
  void oneNetworkGetsItsRateAndBurstWhileAnotherIsAnswered() throws Exception {
    BindingServer server = server(false, "", 10);
    for (int i = 0; i < 100; i++) {
      ask(server, new InetSocketAddress("198.51.100." + (i % 250 + 1), 40000), StunMessage.bindingRequest());
    }
    assertEquals(20, sent.size(), "the burst: twice the rate");
    assertEquals(80L, counters.snapshot().drops().get(StunCounters.RATE_LIMITED));
    ask(server, new InetSocketAddress("192.0.2.1", 40000), StunMessage.bindingRequest());
    assertEquals(21, sent.size(), "another /24 has its own bucket");
    nanos.addAndGet(1_000_000_000L);
    for (int i = 0; i < 100; i++) {
      ask(server, CLIENT, StunMessage.bindingRequest());
    }
    assertEquals(31, sent.size(), "a second later: ten more");
  }

  @Test
  void theTableOfNetworksIsBounded() throws Exception {
    SourceRateLimit limit = new SourceRateLimit(1, nanos::get);
    for (int i = 0; i < 3 * SourceRateLimit.MAX_PREFIXES; i++) {
      limit.allow(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 8), (byte) i, 1}));
    }
    assertEquals(SourceRateLimit.MAX_PREFIXES, limit.prefixes());
  }
}
