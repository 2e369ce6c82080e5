package io.macula.nat.api;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's one UDP socket, as protocols beside QUIC use it (STUN, TURN): what they send leaves
 * from the port QUIC uses, so the NAT mapping they see is QUIC's. What they receive reaches them
 * through a whiteboard service of their own, {@link StunHandler} for STUN.
 */
@ProviderType
public interface SharedSocket {
  /** The address the socket is bound to. */
  InetSocketAddress localAddress();

  /** Sends one datagram from the socket; the buffer's remaining bytes are copied. */
  void send(InetSocketAddress to, ByteBuffer datagram);

  /**
   * The NAT before the socket forgets an idle mapping after about {@code lifetime}, as measured
   * (RFC 5780 §4.6): from now on every path the socket keeps gets a packet well within it. A
   * lifetime longer than the socket's own consent checks' interval changes nothing.
   */
  void mappingLifetime(java.time.Duration lifetime);

  /**
   * Takes the datagrams from one server before anything else sees them: a TURN server's
   * responses, Data indications and ChannelData (RFC 9443 §3: ChannelData's first bytes, 64 to 79,
   * are QUIC's too, so only the address they come from tells them apart). What the handler
   * declines goes on to STUN or QUIC as if unclaimed. A newer claim on the same server replaces an
   * older one.
   */
  Claim claim(InetSocketAddress server, ServerTraffic handler);

  /** Takes datagrams from a claimed server. */
  @FunctionalInterface
  interface ServerTraffic {
    /**
     * A datagram, valid only during the call, on the socket's I/O thread: it must not block.
     *
     * @return whether it was taken; if not, it goes on as if the server were unclaimed
     */
    boolean received(ByteBuffer datagram);
  }

  /** A claim on a server's datagrams, ended by {@link #close}. */
  interface Claim extends AutoCloseable {
    @Override
    void close();
  }
}
