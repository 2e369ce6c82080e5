package io.macula.nat.hub.protocol;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Frames hub messages on a stream: a 4-byte length, then a type byte and the message's fields.
 *
 * <pre>
 * frame    = length:u32 type:u8 body            length counts type and body, at most 64 KiB
 * address  = family:u8 (4|6) addr:4|16 port:u16
 * node id  = 32 bytes
 * bytes    = length:u16 data
 * list     = count:u16 item*
 * </pre>
 *
 * Everything read is bounds-checked; a malformed frame is a {@link HubProtocolException}.
 */
public final class HubCodec {
  public static final int MAX_FRAME = 64 * 1024;
  public static final int MAX_SIGNAL = io.macula.nat.api.Signalling.MAX_PAYLOAD;
  /** The addresses a node may report; more are refused. */
  public static final int MAX_ADDRESSES = 16;
  /** Nodes in one page of a node list: at most 32 + 2 + 16 x 19 + 1 + 19 + 10 bytes each, 56 KiB a page. */
  public static final int NODES_PER_PAGE = 128;

  private static final int REGISTER = 1;

  private static final int REGISTERED = 2;
  private static final int REFUSED = 3;
  private static final int LIST_NODES = 4;
  private static final int NODES = 5;
  private static final int SIGNAL = 6;
  private static final int PING = 7;
  private static final int PONG = 8;
  private static final int NAT_REPORT = 9;
  private static final int TURN_CREDENTIALS = 10;
  private static final int RELAY_OFFER = 11;
  private static final int LOOKUP = 12;
  private static final int FOUND = 13;
  private static final int FORWARD = 14;
  private static final int UNFORWARDED = 15;
  private static final int HUBS = 16;
  private static final int LINK_KEY = 17;
  private static final int STANDBY = 18;
  private static final int HUB_GONE = 19;

  private HubCodec() {}

  public static void write(OutputStream out, HubMessage m) throws IOException {
    out.write(encode(m));
    out.flush();
  }

  /** The message's frame: its length, then the message. */
  public static byte[] encode(HubMessage m) {
    try {
      return frame(m);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // a byte array does not fail
    }
  }

  private static byte[] frame(HubMessage m) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(new byte[4]); // the length, filled in below
    DataOutputStream d = new DataOutputStream(body);
    if (m instanceof HubMessage.Register r) {
      d.writeByte(REGISTER);
      writeAddresses(d, r.reported());
      d.writeBoolean(r.offersRelay());
      d.writeByte(r.nat().code());
    } else if (m instanceof HubMessage.Registered r) {
      d.writeByte(REGISTERED);
      writeAddress(d, r.observed());
      writeBytes(d, r.relayKey());
    } else if (m instanceof HubMessage.Refused r) {
      d.writeByte(REFUSED);
      writeBytes(d, r.reason().getBytes(StandardCharsets.UTF_8));
    } else if (m instanceof HubMessage.ListNodes) {
      d.writeByte(LIST_NODES);
    } else if (m instanceof HubMessage.Nodes n) {
      d.writeByte(NODES);
      d.writeBoolean(n.more());
      d.writeShort(n.nodes().size());
      for (HubMessage.Entry e : n.nodes()) {
        writeEntry(d, e);
      }
    } else if (m instanceof HubMessage.Lookup q) {
      d.writeByte(LOOKUP);
      d.write(q.node().toBytes());
    } else if (m instanceof HubMessage.Found f) {
      d.writeByte(FOUND);
      d.write(f.node().toBytes());
      d.writeBoolean(f.entry().isPresent());
      if (f.entry().isPresent()) {
        writeEntry(d, f.entry().get());
      }
    } else if (m instanceof HubMessage.Unknown u) {
      throw new IllegalArgumentException("a message of unknown type " + u.type() + " cannot be sent");
    } else if (m instanceof HubMessage.Signal s) {
      checkSignal(s.payload());
      d.writeByte(SIGNAL);
      d.write(s.peer().toBytes());
      writeBytes(d, s.payload());
    } else if (m instanceof HubMessage.Forward f) {
      checkSignal(f.payload());
      d.writeByte(FORWARD);
      d.write(f.from().toBytes());
      d.write(f.to().toBytes());
      writeBytes(d, f.payload());
    } else if (m instanceof HubMessage.Unforwarded u) {
      checkSignal(u.payload());
      d.writeByte(UNFORWARDED);
      d.write(u.from().toBytes());
      d.write(u.to().toBytes());
      writeBytes(d, u.reason().getBytes(StandardCharsets.UTF_8));
      writeBytes(d, u.payload());
    } else if (m instanceof HubMessage.LinkKey k) {
      d.writeByte(LINK_KEY);
      d.write(k.key());
    } else if (m instanceof HubMessage.Hubs h) {
      d.writeByte(HUBS);
      d.writeShort(h.hubs().size());
      for (HubMessage.HubRef r : h.hubs()) {
        d.write(r.id().toBytes());
        writeBytes(d, r.address().getBytes(StandardCharsets.UTF_8));
      }
    } else if (m instanceof HubMessage.Standby) {
      d.writeByte(STANDBY);
    } else if (m instanceof HubMessage.HubGone g) {
      d.writeByte(HUB_GONE);
      d.write(g.hub().toBytes());
    } else if (m instanceof HubMessage.Ping p) {
      d.writeByte(PING);
      d.writeLong(p.nonce());
    } else if (m instanceof HubMessage.Pong p) {
      d.writeByte(PONG);
      d.writeLong(p.nonce());
    } else if (m instanceof HubMessage.NatReport n) {
      d.writeByte(NAT_REPORT);
      d.writeByte(n.nat().code());
    } else if (m instanceof HubMessage.RelayOffer o) {
      d.writeByte(RELAY_OFFER);
      d.writeShort(o.maxPairs());
      d.writeLong(o.bytesPerSecond());
      d.writeLong(o.packetsPerSecond());
    } else if (m instanceof HubMessage.TurnCredentials t) {
      d.writeByte(TURN_CREDENTIALS);
      writeBytes(d, t.uri().getBytes(StandardCharsets.UTF_8));
      writeBytes(d, t.username().getBytes(StandardCharsets.UTF_8));
      writeBytes(d, t.password().getBytes(StandardCharsets.UTF_8));
      d.writeLong(t.expiresEpochSeconds());
    }
    int length = body.size() - 4;
    if (length > MAX_FRAME) {
      throw new IllegalArgumentException("a hub message is at most " + MAX_FRAME + " bytes");
    }
    byte[] frame = body.toByteArray();
    java.nio.ByteBuffer.wrap(frame).putInt(length);
    return frame;
  }

  private static void checkSignal(byte[] payload) {
    if (payload.length > MAX_SIGNAL) {
      throw new IllegalArgumentException("a signal carries at most " + MAX_SIGNAL + " bytes");
    }
  }

  /**
   * Reads one message.
   *
   * @return empty at the end of the stream, between messages
   */
  public static Optional<HubMessage> read(InputStream in) throws IOException {
    DataInputStream s = new DataInputStream(in);
    int first = s.read();
    if (first < 0) {
      return Optional.empty();
    }
    byte[] header = {(byte) first, 0, 0, 0};
    s.readFully(header, 1, 3);
    byte[] frame = new byte[frameLength(header)];
    s.readFully(frame);
    return Optional.of(decode(frame));
  }

  /** The frame length a frame's first four bytes give; {@code header} holds at least those. */
  static int frameLength(byte[] header) throws HubProtocolException {
    int length = java.nio.ByteBuffer.wrap(header).getInt();
    if (length < 1 || length > MAX_FRAME) {
      throw new HubProtocolException("frame length " + length + " outside 1.." + MAX_FRAME);
    }
    return length;
  }

  /** The message of one frame, without its length. */
  static HubMessage decode(byte[] frame) throws HubProtocolException {
    Reader r = new Reader(frame);
    HubMessage m = switch (r.u8()) {
      case REGISTER -> new HubMessage.Register(r.addresses(), r.bool(), r.nat());
      case REGISTERED -> registered(r.address(), r.bytes());
      case REFUSED -> new HubMessage.Refused(new String(r.bytes(), StandardCharsets.UTF_8));
      case LIST_NODES -> new HubMessage.ListNodes();
      case NODES -> {
        boolean more = r.bool();
        int n = r.u16();
        if (n > NODES_PER_PAGE) {
          throw new HubProtocolException(n + " nodes in a page; at most " + NODES_PER_PAGE);
        }
        List<HubMessage.Entry> nodes = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
          nodes.add(entry(r));
        }
        yield new HubMessage.Nodes(nodes, more);
      }
      case LOOKUP -> new HubMessage.Lookup(r.nodeId());
      case FOUND -> found(r.nodeId(), r.bool() ? Optional.of(entry(r)) : Optional.empty());
      case SIGNAL -> new HubMessage.Signal(r.nodeId(), r.bytes());
      case FORWARD -> new HubMessage.Forward(r.nodeId(), r.nodeId(), r.bytes());
      case UNFORWARDED -> new HubMessage.Unforwarded(r.nodeId(), r.nodeId(),
          new String(r.bytes(), StandardCharsets.UTF_8), r.bytes());
      case LINK_KEY -> new HubMessage.LinkKey(r.fixed(HubMessage.LinkKey.LENGTH, "link key"));
      case HUBS -> {
        int n = r.u16();
        if (n > HubMessage.Hubs.MAX) {
          throw new HubProtocolException(n + " hubs in a list; at most " + HubMessage.Hubs.MAX);
        }
        List<HubMessage.HubRef> hubs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          hubs.add(new HubMessage.HubRef(r.nodeId(), new String(r.bytes(), StandardCharsets.UTF_8)));
        }
        yield new HubMessage.Hubs(hubs);
      }
      case STANDBY -> new HubMessage.Standby();
      case HUB_GONE -> new HubMessage.HubGone(r.nodeId());
      case PING -> new HubMessage.Ping(r.u64());
      case PONG -> new HubMessage.Pong(r.u64());
      case NAT_REPORT -> new HubMessage.NatReport(r.nat());
      case TURN_CREDENTIALS -> new HubMessage.TurnCredentials(r.text(), r.text(), r.text(), r.u64());
      case RELAY_OFFER -> relayOffer(r.u16(), r.u64(), r.u64());
      default -> {
        r.at = frame.length; // a newer side's message: its body is not this side's to read
        yield new HubMessage.Unknown(frame[0] & 0xff);
      }
    };
    if (r.at != frame.length) {
      throw new HubProtocolException(
          m.getClass().getSimpleName() + ": " + (frame.length - r.at) + " bytes after its end");
    }
    return m;
  }

  private static HubMessage.Registered registered(InetSocketAddress observed, byte[] key) throws HubProtocolException {
    if (key.length != 32) {
      throw new HubProtocolException("relay key of " + key.length + " bytes, not 32");
    }
    return new HubMessage.Registered(observed, key);
  }

  private static HubMessage.Entry entry(Reader r) throws HubProtocolException {
    NodeId id = r.nodeId();
    List<InetSocketAddress> reported = r.addresses();
    Optional<InetSocketAddress> observed = r.bool() ? Optional.of(r.address()) : Optional.empty();
    NatBehavior nat = r.nat();
    boolean relay = r.bool();
    return new HubMessage.Entry(new NodeDescriptor(id, reported, observed, nat, relay), r.u64());
  }

  private static void writeEntry(DataOutputStream d, HubMessage.Entry e) throws IOException {
    NodeDescriptor node = e.node();
    d.write(node.id().toBytes());
    writeAddresses(d, node.reportedAddresses());
    d.writeBoolean(node.observedAddress().isPresent());
    if (node.observedAddress().isPresent()) {
      writeAddress(d, node.observedAddress().get());
    }
    d.writeByte(node.nat().code());
    d.writeBoolean(node.offersRelay());
    d.writeLong(e.lastSeenMillis());
  }

  private static HubMessage.Found found(NodeId node, Optional<HubMessage.Entry> entry) throws HubProtocolException {
    try {
      return new HubMessage.Found(node, entry);
    } catch (IllegalArgumentException e) {
      throw new HubProtocolException("found: " + e.getMessage());
    }
  }

  private static HubMessage.RelayOffer relayOffer(int maxPairs, long bytes, long packets) throws HubProtocolException {
    try {
      return new HubMessage.RelayOffer(maxPairs, bytes, packets);
    } catch (IllegalArgumentException e) {
      throw new HubProtocolException("relay offer: " + e.getMessage());
    }
  }

  private static void writeAddresses(DataOutputStream d, List<InetSocketAddress> list) throws IOException {
    if (list.size() > MAX_ADDRESSES) {
      throw new IllegalArgumentException(list.size() + " addresses; at most " + MAX_ADDRESSES);
    }
    d.writeShort(list.size());
    for (InetSocketAddress a : list) {
      writeAddress(d, a);
    }
  }

  private static void writeAddress(DataOutputStream d, InetSocketAddress a) throws IOException {
    byte[] raw = a.getAddress().getAddress();
    d.writeByte(raw.length == 4 ? 4 : 6);
    d.write(raw);
    d.writeShort(a.getPort());
  }

  private static void writeBytes(DataOutputStream d, byte[] data) throws IOException {
    d.writeShort(data.length);
    d.write(data);
  }

  /** Bounds-checked reads over one frame. */
  private static final class Reader {
    private final byte[] b;
    private int at;

    Reader(byte[] b) {
      this.b = b;
    }

    private void need(int n, String what) throws HubProtocolException {
      if (at + n > b.length) {
        throw new HubProtocolException(what + ": needs " + n + " bytes at offset " + at + ", frame has " + b.length);
      }
    }

    int u8() throws HubProtocolException {
      need(1, "byte");
      return b[at++] & 0xff;
    }

    int u16() throws HubProtocolException {
      need(2, "u16");
      int v = ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
      at += 2;
      return v;
    }

    long u64() throws HubProtocolException {
      need(8, "u64");
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (b[at + i] & 0xff);
      }
      at += 8;
      return v;
    }

    boolean bool() throws HubProtocolException {
      int v = u8();
      if (v > 1) {
        throw new HubProtocolException("boolean " + v + " at offset " + (at - 1));
      }
      return v == 1;
    }

    /** A code a newer node sends that this one does not know reads as unknown, not as an error. */
    NatBehavior nat() throws HubProtocolException {
      return NatBehavior.ofCode(u8());
    }

    byte[] fixed(int length, String what) throws HubProtocolException {
      need(length, what);
      byte[] out = java.util.Arrays.copyOfRange(b, at, at + length);
      at += length;
      return out;
    }

    NodeId nodeId() throws HubProtocolException {
      need(NodeId.LENGTH, "node id");
      byte[] id = java.util.Arrays.copyOfRange(b, at, at + NodeId.LENGTH);
      at += NodeId.LENGTH;
      return NodeId.of(id);
    }

    String text() throws HubProtocolException {
      return new String(bytes(), StandardCharsets.UTF_8);
    }

    byte[] bytes() throws HubProtocolException {
      int n = u16();
      need(n, "bytes");
      byte[] v = java.util.Arrays.copyOfRange(b, at, at + n);
      at += n;
      return v;
    }

    InetSocketAddress address() throws HubProtocolException {
      int family = u8();
      int len = switch (family) {
        case 4 -> 4;
        case 6 -> 16;
        default -> throw new HubProtocolException("address family " + family);
      };
      need(len + 2, "address");
      byte[] raw = java.util.Arrays.copyOfRange(b, at, at + len);
      at += len;
      int port = u16();
      try {
        return new InetSocketAddress(InetAddress.getByAddress(raw), port);
      } catch (java.net.UnknownHostException e) {
        throw new HubProtocolException("address of " + len + " bytes");
      }
    }

    List<InetSocketAddress> addresses() throws HubProtocolException {
      int n = u16();
      if (n > MAX_ADDRESSES) {
        throw new HubProtocolException(n + " addresses; at most " + MAX_ADDRESSES);
      }
      List<InetSocketAddress> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(address());
      }
      return out;
    }
  }

}
