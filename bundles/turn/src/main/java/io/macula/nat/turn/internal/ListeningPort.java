package io.macula.nat.turn.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;

/**
 * A TURN server's listening port, UDP and TCP on one number (RFC 8656 section 3.1: a client may
 * reach the server over either). For port 0 the kernel picks a UDP port, which a TCP socket may
 * hold already (a connection's own port, say): then another pick, up to {@link #ATTEMPTS} in all.
 */
record ListeningPort(DatagramChannel udp, ServerSocketChannel tcp) {
  /** Picks of a port free for both UDP and TCP, when the port to listen on is 0. */
  static final int ATTEMPTS = 8;

  /** Binds a UDP socket: {@link #UDP}, but for a test that must hand out a given port first. */
  interface UdpBinder {
    DatagramChannel bind(InetSocketAddress at) throws IOException;
  }

  static final UdpBinder UDP = at -> {
    DatagramChannel udp = DatagramChannel.open(family(at.getAddress()));
    try {
      return udp.bind(at);
    } catch (IOException e) {
      udp.close();
      throw e;
    }
  };

  static ListeningPort open(InetSocketAddress listen) throws IOException {
    return open(listen, UDP);
  }

  /** Binds both at {@code listen}; whatever failed to bind is closed again. */
  static ListeningPort open(InetSocketAddress listen, UdpBinder binder) throws IOException {
    for (int attempt = 0; ; attempt++) {
      DatagramChannel udp = binder.bind(listen);
      ServerSocketChannel tcp = ServerSocketChannel.open(family(listen.getAddress()));
      try {
        tcp.bind(new InetSocketAddress(listen.getAddress(), ((InetSocketAddress) udp.getLocalAddress()).getPort()));
        return new ListeningPort(udp, tcp);
      } catch (IOException e) {
        udp.close();
        tcp.close();
        if (listen.getPort() != 0 || attempt >= ATTEMPTS - 1) {
          throw e;
        }
      }
    }
  }

  /**
   * A socket of the address's own family: an IPv4 server on an IPv6 socket pays for the mapped
   * address on every packet in the kernel (udpv6_sendmsg before udp_sendmsg).
   */
  static StandardProtocolFamily family(InetAddress address) {
    return address instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
  }
}
