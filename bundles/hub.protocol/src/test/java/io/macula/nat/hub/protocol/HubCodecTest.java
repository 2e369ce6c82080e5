package io.macula.nat.hub.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HubCodecTest {
  private static final NodeId A = NodeId.of(new byte[32]);
  private static final NodeId B = NodeId.of(java.util.Arrays.copyOf(new byte[] {1}, 32));

  static Stream<HubMessage> messages() {
    InetSocketAddress v4 = new InetSocketAddress("198.51.100.7", 4433);
    InetSocketAddress v6 = new InetSocketAddress("2001:db8::1", 9);
    return Stream.of(
        new HubMessage.Register(List.of(v4, v6), true, NatBehavior.PORT_RESTRICTED_CONE),
        new HubMessage.Registered(v4, new byte[32]),
        new HubMessage.Refused("no, and here is why"),
        new HubMessage.ListNodes(),
        new HubMessage.Nodes(List.of(new HubMessage.Entry(
            new NodeDescriptor(A, List.of(v4), Optional.of(v6), NatBehavior.SYMMETRIC, false), 123L)), true),
        new HubMessage.Signal(A, new byte[] {1, 2, 3}),
        new HubMessage.Forward(A, B, new byte[] {4, 5}),
        new HubMessage.Unforwarded(B, A, "node A is not registered at hub C", new byte[] {6}),
        new HubMessage.Hubs(List.of(new HubMessage.HubRef(A, "hub-a.example:7400"),
            new HubMessage.HubRef(B, "[2001:db8::2]:7400"))),
        new HubMessage.Hubs(List.of()),
        new HubMessage.LinkKey(java.util.Arrays.copyOf(new byte[] {9, 8, 7}, 32)),
        new HubMessage.Standby(),
        new HubMessage.HubGone(B),
        new HubMessage.Ping(-1),
        new HubMessage.Pong(42),
        new HubMessage.NatReport(NatBehavior.RESTRICTED_CONE),
        new HubMessage.TurnCredentials("turn:203.0.113.10:3478", "1764600000:k2dlgi5e", "c2VjcmV0", 1764600000L),
        new HubMessage.RelayOffer(16, 10_000_000L, 10_000L),
        HubMessage.RelayOffer.withdrawn(),
        new HubMessage.Lookup(A),
        new HubMessage.Found(A, Optional.empty()),
        new HubMessage.Found(A, Optional.of(new HubMessage.Entry(
            new NodeDescriptor(A, List.of(v4, v6), Optional.of(v4), NatBehavior.NONE, true), 456L))));
  }

  @ParameterizedTest
  @MethodSource("messages")
  void everyMessageRoundTrips(HubMessage m) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    HubCodec.write(out, m);
    HubMessage back = HubCodec.read(new ByteArrayInputStream(out.toByteArray())).orElseThrow();
    if (carriesBytes(m)) {
      assertEquals(m.getClass(), back.getClass());
      assertArrayEquals(HubCodec.encode(m), HubCodec.encode(back), "every field, the payload's bytes too");
    } else {
      assertEquals(m, back);
    }
  }

  /** A message with a payload: its record's equals compares the arrays' identity, not their bytes. */
  private static boolean carriesBytes(HubMessage m) {
    return m instanceof HubMessage.Signal || m instanceof HubMessage.Forward || m instanceof HubMessage.Unforwarded;
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("00000000", "frame length 0"),
        Arguments.of("00100001", "frame length 1048577"),
        Arguments.of("000000020200", "address family 0"),
        Arguments.of("0000000302040a", "address: needs 6 bytes"),
        Arguments.of("00000002070000", "u64: needs 8 bytes"),
        Arguments.of("0000000a07000000000000000100", "Ping: 1 bytes after its end"),
        Arguments.of("000000050100000200", "boolean 2"),
        Arguments.of("000000031000ff", "255 hubs in a list; at most 64"),
        Arguments.of("000000130b1388" + "00".repeat(16), "relay offer: a relay offers 0 to 4096 pairs, not 5000"),
        Arguments.of("000000130b0001" + "00".repeat(16), "relay offer: a relay's limits are at least 1"));
  }

  /** The largest page of the largest nodes still fits a frame, and more addresses are refused. */
  @Test
  void aFullPageOfNodesWithTheMostAddressesFitsAFrame() throws IOException {
    List<InetSocketAddress> many = new java.util.ArrayList<>();
    for (int i = 0; i < HubCodec.MAX_ADDRESSES; i++) {
      many.add(new InetSocketAddress(java.net.InetAddress.getByName("2001:db8::" + (i + 1)), 40000 + i));
    }
    List<HubMessage.Entry> page = new java.util.ArrayList<>();
    for (int i = 0; i < HubCodec.NODES_PER_PAGE; i++) {
      byte[] id = new byte[NodeId.LENGTH];
      id[0] = (byte) i;
      page.add(new HubMessage.Entry(new NodeDescriptor(NodeId.of(id), many,
          Optional.of(many.get(0)), NatBehavior.SYMMETRIC, true), i));
    }
    HubMessage.Nodes nodes = new HubMessage.Nodes(page, true);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    HubCodec.write(out, nodes);
    assertEquals(nodes, HubCodec.read(new ByteArrayInputStream(out.toByteArray())).orElseThrow());

    List<InetSocketAddress> tooMany = new java.util.ArrayList<>(many);
    tooMany.add(new InetSocketAddress("198.51.100.7", 4433));
    assertThrows(IllegalArgumentException.class,
        () -> HubCodec.write(new ByteArrayOutputStream(), new HubMessage.Register(tooMany, false, NatBehavior.UNKNOWN)));
  }

  @Test
  void aNatBehaviourThisNodeDoesNotKnowReadsAsUnknown() throws IOException {
    // Register: no addresses, no relay offer, NAT code 11 (from a newer node).
    Optional<HubMessage> m = HubCodec.read(new ByteArrayInputStream(HexFormat.of().parseHex("00000005010000000b")));
    assertEquals(NatBehavior.UNKNOWN, ((HubMessage.Register) m.orElseThrow()).nat());
  }

  @Test
  void natBehavioursTravelAsTheirFixedCodes() throws IOException {
    for (NatBehavior nat : NatBehavior.values()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      HubCodec.write(out, new HubMessage.NatReport(nat));
      byte[] frame = out.toByteArray();
      assertEquals(nat.code(), frame[frame.length - 1] & 0xff, nat.name());
      assertEquals(new HubMessage.NatReport(nat), HubCodec.read(new ByteArrayInputStream(frame)).orElseThrow());
    }
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void aMalformedFrameIsATypedErrorThatSaysWhere(String hex, String message) {
    HubProtocolException e = assertThrows(HubProtocolException.class,
        () -> HubCodec.read(new ByteArrayInputStream(HexFormat.of().parseHex(hex))));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void randomBytesGiveOnlyTypedErrorsOrEndOfStream() {
    Random random = new Random(5);
    for (int i = 0; i < 100_000; i++) {
      byte[] b = new byte[random.nextInt(64)];
      random.nextBytes(b);
      if (b.length >= 4) {
        b[0] = 0;
        b[1] = 0;
        b[2] = 0; // a plausible length, so that the body is parsed
      }
      try {
        HubCodec.read(new ByteArrayInputStream(b));
      } catch (HubProtocolException | java.io.EOFException expected) {
        // typed
      } catch (IOException | RuntimeException other) {
        throw new AssertionError("input " + HexFormat.of().formatHex(b) + " threw " + other, other);
      }
    }
  }

  @Test
  void framesReadAsTheyArriveInAnyPiecesGiveTheMessagesTheStreamWouldInOrder() throws IOException {
    List<HubMessage> sent = messages().filter(m -> !carriesBytes(m)).toList();
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    for (HubMessage m : sent) {
      stream.write(HubCodec.encode(m));
    }
    byte[] bytes = stream.toByteArray();
    Random random = new Random(7);
    for (int trial = 0; trial < 200; trial++) {
      HubFrames frames = new HubFrames();
      List<HubMessage> read = new java.util.ArrayList<>();
      for (int at = 0; at < bytes.length; ) {
        int piece = trial == 0 ? 1 : 1 + random.nextInt(Math.min(200, bytes.length - at));
        read.addAll(frames.read(java.nio.ByteBuffer.wrap(bytes, at, piece)));
        at += piece;
      }
      assertEquals(sent, read, "trial " + trial);
      assertTrue(!frames.midFrame());
    }
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void aMalformedFrameArrivingInPiecesIsTheSameTypedError(String hex, String message) {
    byte[] bytes = HexFormat.of().parseHex(hex);
    HubFrames frames = new HubFrames();
    HubProtocolException e = assertThrows(HubProtocolException.class, () -> {
      for (byte b : bytes) {
        frames.read(java.nio.ByteBuffer.wrap(new byte[] {b}));
      }
      throw new AssertionError("no error, and " + (frames.midFrame() ? "a frame begun" : "no frame begun"));
    });
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  /** A newer peer's message is read past whole, and the frames after it read as before. */
  @Test
  void aMessageOfAnUnknownTypeReadsAsUnknownAndTheNextAsItself() throws IOException {
    byte[] bytes = HexFormat.of().parseHex("00000004" + "63" + "010203" + HexFormat.of().formatHex(
        HubCodec.encode(new HubMessage.Ping(9))));
    ByteArrayInputStream in = new ByteArrayInputStream(bytes);
    assertEquals(new HubMessage.Unknown(0x63), HubCodec.read(in).orElseThrow());
    assertEquals(new HubMessage.Ping(9), HubCodec.read(in).orElseThrow());
    assertEquals(List.of(new HubMessage.Unknown(0x63), new HubMessage.Ping(9)),
        new HubFrames().read(java.nio.ByteBuffer.wrap(bytes)));
  }

  @Test
  void anAnswerToALookupThatNamesAnotherNodeIsMalformed() {
    NodeId b = NodeId.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
        23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
    byte[] frame = HubCodec.encode(new HubMessage.Found(b, Optional.of(new HubMessage.Entry(
        new NodeDescriptor(b, List.of(), Optional.empty(), NatBehavior.UNKNOWN, false), 1L))));
    java.util.Arrays.fill(frame, 5, 5 + 32, (byte) 0); // the node asked about: A, not b
    HubProtocolException e = assertThrows(HubProtocolException.class,
        () -> HubCodec.read(new ByteArrayInputStream(frame)));
    assertTrue(e.getMessage().contains("found: the entry found for"), e.getMessage());
  }
}
