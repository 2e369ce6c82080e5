package io.macula.nat.turn.internal;

import java.net.InetAddress;
import java.util.List;

/**
 * Which peers a TURN server relays to, RFC 8656 §21.1: by default none this host could not reach
 * anyway without it (loopback, link-local, private and unique-local ranges, multicast, unspecified,
 * reserved), so the relay cannot be turned against the server's own network. An operator may allow
 * such ranges (a lab, a test on loopback) by CIDR.
 */
final class PeerFilter {
  private record Cidr(byte[] prefix, int bits) {
    boolean contains(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length != prefix.length) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >>> (i % 8);
        if ((b[i / 8] & mask) != (prefix[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }

  private final List<Cidr> allowed;

  private PeerFilter(List<Cidr> allowed) {
    this.allowed = allowed;
  }

  /** The default filter, with these ranges ({@code 127.0.0.0/8}, {@code 10.0.0.0/8}...) allowed too. */
  static PeerFilter allowing(List<String> cidrs) {
    return new PeerFilter(cidrs.stream().map(PeerFilter::cidr).toList());
  }

  static Cidr cidr(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("'" + text + "' is not address/bits");
    }
    try {
      byte[] prefix = InetAddress.getByName(text.substring(0, slash).strip()).getAddress();
      int bits = Integer.parseInt(text.substring(slash + 1).strip());
      if (bits < 0 || bits > prefix.length * 8) {
        throw new IllegalArgumentException("'" + text + "': " + bits + " bits");
      }
      return new Cidr(prefix, bits);
    } catch (java.net.UnknownHostException | NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not address/bits");
    }
  }

  /** Whether the server relays to (and lets in) this peer address. */
  boolean relays(InetAddress peer) {
    if (allowed.stream().anyMatch(c -> c.contains(peer))) {
      return true;
    }
    byte[] b = peer.getAddress();
    boolean reserved = b.length == 4 && ((b[0] & 0xff) == 0 || (b[0] & 0xf0) == 0xf0);
    boolean uniqueLocal = b.length == 16 && (b[0] & 0xfe) == 0xfc;
    return !(peer.isLoopbackAddress() || peer.isLinkLocalAddress() || peer.isSiteLocalAddress()
        || peer.isMulticastAddress() || peer.isAnyLocalAddress() || reserved || uniqueLocal);
  }
}
