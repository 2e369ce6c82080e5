package io.macula.nat.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicTokenHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The address validation token of a QUIC Retry (RFC 9000 §8.1.2): proof that a client receives at
 * the address it claims, so a spoofed Initial never lifts the 3x anti-amplification limit. The
 * token is a MAC, under a key that never leaves this endpoint, of its expiry, the real origin of
 * the packet (the peer's path, not the virtual address QUIC sees) and the original connection id.
 *
 * <p>A Retry costs the client a round trip, so it is asked for only while {@code retryNow} says so:
 * while more handshakes of unproven senders are under way than a node sees but in a flood of
 * forged Initials (a server MAY send one, §8.1.2; quic-go too asks only past a number of
 * unvalidated handshakes). Until then an Initial is answered at once, under the 3x limit.
 *
 * <pre>
 *  0        1                 9                         25
 *  +--------+-----------------+-------------------------+------------------------+
 *  | 0x01   | expiry, s (u64) | HMAC-SHA256, 16 bytes   | original DCID (0..20)  |
 *  +--------+-----------------+-------------------------+------------------------+
 * </pre>
 */
final class AddressToken implements QuicTokenHandler {
  private static final int FORMAT = 1;
  private static final int MAC_LENGTH = 16;
  private static final int HEADER = 1 + 8 + MAC_LENGTH;
  private static final int MAX_CID = 20;

  private final ThreadLocal<Mac> macs;
  private final Function<InetSocketAddress, String> origin;
  private final Clock clock;
  private final Duration lifetime;
  private final java.util.function.BooleanSupplier retryNow;

  /**
   * @param origin the real origin of packets QUIC sees from a virtual address (the path they came
   *     over); it must name the sender's real address
   * @param retryNow whether an Initial without a token gets a Retry now
   */
  AddressToken(Function<InetSocketAddress, String> origin, Clock clock, Duration lifetime,
      java.util.function.BooleanSupplier retryNow) {
    this.retryNow = retryNow;
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    SecretKeySpec key = new SecretKeySpec(secret, "HmacSHA256");
    this.macs = ThreadLocal.withInitial(() -> {
      try {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(key);
        return m;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("every Java platform has HmacSHA256", e);
      }
    });
    this.origin = origin;
    this.clock = clock;
    this.lifetime = lifetime;
  }

  @Override
  public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
    if (dcid.readableBytes() > MAX_CID || !retryNow.getAsBoolean()) {
      return false;
    }
    long expiry = clock.instant().plus(lifetime).getEpochSecond();
    byte[] cid = new byte[dcid.readableBytes()];
    dcid.getBytes(dcid.readerIndex(), cid);
    out.writeByte(FORMAT).writeLong(expiry).writeBytes(mac(expiry, origin.apply(address), cid)).writeBytes(cid);
    return true;
  }

  /** The offset of the original DCID in a valid token; -1 for a token that is not ours, forged or expired. */
  @Override
  public int validateToken(ByteBuf token, InetSocketAddress address) {
    return validate(token, origin.apply(address));
  }

  private int validate(ByteBuf token, String from) {
    int at = token.readerIndex();
    int length = token.readableBytes();
    if (length < HEADER || length > HEADER + MAX_CID || token.getUnsignedByte(at) != FORMAT) {
      return -1;
    }
    long expiry = token.getLong(at + 1);
    if (expiry < clock.instant().getEpochSecond()) {
      return -1;
    }
    byte[] cid = new byte[length - HEADER];
    token.getBytes(at + HEADER, cid);
    byte[] mac = new byte[MAC_LENGTH];
    token.getBytes(at + 9, mac);
    return MessageDigest.isEqual(mac, mac(expiry, from, cid)) ? HEADER : -1;
  }

  /** Whether {@code token} is one this endpoint made for packets from {@code origin}, still valid. */
  boolean validFor(ByteBuf token, String origin) {
    return validate(token, origin) >= 0;
  }

  @Override
  public int maxTokenLength() {
    return HEADER + MAX_CID;
  }

  private byte[] mac(long expiry, String from, byte[] cid) {
    Mac m = macs.get(); // made once a thread: Initials are the path a flood takes
    for (int i = 7; i >= 0; i--) {
      m.update((byte) (expiry >>> (8 * i)));
    }
    byte[] fromBytes = from.getBytes(StandardCharsets.UTF_8);
    m.update((byte) fromBytes.length);
    m.update(fromBytes);
    m.update(cid);
    return java.util.Arrays.copyOf(m.doFinal(), MAC_LENGTH);
  }
}
