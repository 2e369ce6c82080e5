package io.macula.nat.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** Data between a TURN client and a peer on loopback, through an allocation, both ways and both ways of framing it. */
final class RelayExchange {
  private RelayExchange() {}

  /** Send/Data indications, then a channel, both ways; then a refresh and the allocation's release. */
  static void run(TurnClient client, Allocation a, InetSocketAddress clientAt) throws Exception {
    BlockingQueue<String> atClient = new ArrayBlockingQueue<>(16);
    try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      assertEquals("127.0.0.1", a.relayed().getHostString());
      assertEquals(clientAt, a.mapped().orElseThrow());
      assertTrue(a.lifetime().toSeconds() > 0, "a lifetime: " + a.lifetime());
      a.onData((from, data) -> atClient.add(from.getPort() + " " + data.toString(StandardCharsets.UTF_8)));
      InetSocketAddress peerAt = (InetSocketAddress) peer.getLocalSocketAddress();
      peer.setSoTimeout(5000);

      a.permit(peerAt.getAddress()).get(5, TimeUnit.SECONDS);
      a.send(peerAt, utf8("hello in a Send indication"));
      DatagramPacket got = receive(peer);
      assertEquals(a.relayed(), got.getSocketAddress(), "the peer hears from the relayed address");
      assertEquals("hello in a Send indication", text(got));
      reply(peer, a, "hello back in a Data indication");
      assertEquals(peerAt.getPort() + " hello back in a Data indication", atClient.poll(5, TimeUnit.SECONDS));

      int channel = a.bind(peerAt).get(5, TimeUnit.SECONDS);
      assertTrue(channel >= 0x4000 && channel <= 0x4FFF, "channel " + channel);
      a.send(peerAt, utf8("over channel " + channel + ", 5 bytes more"));
      assertEquals("over channel " + channel + ", 5 bytes more", text(receive(peer)));
      reply(peer, a, "back over the channel, odd length");
      assertEquals(peerAt.getPort() + " back over the channel, odd length", atClient.poll(5, TimeUnit.SECONDS));

      assertTrue(a.refresh().get(5, TimeUnit.SECONDS).toSeconds() > 0, "a refresh grants a lifetime");
      a.release().get(5, TimeUnit.SECONDS);
      assertEquals(0, client.dropped(), "nothing the server sent was dropped");
    }
  }

  static DatagramPacket receive(DatagramSocket peer) throws Exception {
    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
    peer.receive(p);
    return p;
  }

  static void reply(DatagramSocket peer, Allocation a, String text) throws Exception {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    peer.send(new DatagramPacket(b, b.length, a.relayed()));
  }

  static String text(DatagramPacket p) {
    return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
  }

  static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
