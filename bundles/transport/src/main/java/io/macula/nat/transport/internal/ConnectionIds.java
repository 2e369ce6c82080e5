package io.macula.nat.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicConnectionAddress;
import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import java.nio.ByteBuffer;
import java.security.SecureRandom;

/**
 * Connection ids that tell, by their first byte, which of the socket's two QUIC roles a packet is
 * for: ids this node's client connections chose start with {@link #CLIENT}; everything else
 * (server-chosen ids, and the first id a remote client picks) goes to the server role.
 */
final class ConnectionIds {
  static final int LENGTH = 20;
  static final byte CLIENT = (byte) 0xC1;
  static final byte SERVER = (byte) 0x5E;

  private static final SecureRandom RANDOM = new SecureRandom();

  private ConnectionIds() {}

  static QuicConnectionAddress clientLocal() {
    return new QuicConnectionAddress(random(CLIENT));
  }

  static QuicConnectionAddress clientRemote() {
    return new QuicConnectionAddress(random(SERVER));
  }

  private static byte[] random(byte first) {
    byte[] id = new byte[LENGTH];
    RANDOM.nextBytes(id);
    id[0] = first;
    return id;
  }

  /** The id generator of the server role: signed ids (as Netty's), with the server's first byte. */
  static QuicConnectionIdGenerator serverGenerator() {
    QuicConnectionIdGenerator signed = QuicConnectionIdGenerator.signGenerator();
    return new QuicConnectionIdGenerator() {
      @Override
      public ByteBuffer newId(int length) {
        return mark(signed.newId(length));
      }

      @Override
      public ByteBuffer newId(ByteBuffer input, int length) {
        return mark(signed.newId(input, length));
      }

      @Override
      public int maxConnectionIdLength() {
        return signed.maxConnectionIdLength();
      }

      @Override
      public boolean isIdempotent() {
        return signed.isIdempotent();
      }
    };
  }

  private static ByteBuffer mark(ByteBuffer id) {
    id.put(id.position(), SERVER);
    return id;
  }

  /**
   * Whether a QUIC packet's destination connection id is one of this node's client connections.
   *
   * @return null when the packet is too short to hold its id
   */
  static Boolean isForClient(ByteBuf packet) {
    int at = packet.readerIndex();
    int first = packet.getUnsignedByte(at);
    int idOffset;
    if ((first & 0x80) != 0) {
      // Long header: flags (1), version (4), DCID length (1), DCID, RFC 9000 §17.2.
      if (packet.readableBytes() < 7) {
        return null;
      }
      int idLength = packet.getUnsignedByte(at + 5);
      if (idLength == 0 || packet.readableBytes() < 6 + idLength) {
        return idLength == 0 ? Boolean.FALSE : null;
      }
      idOffset = at + 6;
    } else {
      // Short header: flags (1), DCID of the length this end chose, RFC 9000 §17.3.
      if (packet.readableBytes() < 1 + LENGTH) {
        return null;
      }
      idOffset = at + 1;
    }
    return packet.getByte(idOffset) == CLIENT;
  }
}
