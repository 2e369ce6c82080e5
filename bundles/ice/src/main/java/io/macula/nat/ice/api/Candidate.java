package io.macula.nat.ice.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.Optional;

/**
 * A candidate, RFC 8445 §5.1: a transport address a peer may reach this agent at, over UDP. Written
 * and read in the candidate-attribute syntax of RFC 8839 §5.1, e.g. {@code 1 1 udp 2130706431
 * 10.0.1.2 40001 typ host}.
 */
public record Candidate(
    String foundation,
    int component,
    long priority,
    InetSocketAddress address,
    CandidateType type,
    Optional<InetSocketAddress> related) {

  /** The one component the agent checks: the node's socket carries everything. */
  public static final int COMPONENT = 1;

  public Candidate {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(type, "type");
    // RFC 8839 §5.1: 1*32 ice-char. Signals carry it as US-ASCII: any other character would not
    // come back as it went.
    if (!foundation.matches("[A-Za-z0-9+/]{1,32}")) {
      throw new IllegalArgumentException("a foundation has 1 to 32 ice-chars (A-Z a-z 0-9 + /), not '" + foundation + "'");
    }
    if (component < 1 || component > 256) {
      throw new IllegalArgumentException("a component id is 1-256, not " + component);
    }
    if (priority < 1 || priority > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("a priority is 1 to 2^32-1, not " + priority);
    }
  }

  /**
   * The priority formula of RFC 8445 §5.1.2.1: 2^24 type preference + 2^8 local preference + (256 -
   * component id).
   */
  public static long priority(CandidateType type, int localPreference, int component) {
    if (localPreference < 0 || localPreference > 65535) {
      throw new IllegalArgumentException("a local preference is 0-65535, not " + localPreference);
    }
    return ((long) type.typePreference() << 24) + ((long) localPreference << 8) + (256 - component);
  }

  /** The candidate attribute's value, RFC 8839 §5.1 (without "candidate:"). */
  public String toSdp() {
    StringBuilder s = new StringBuilder()
        .append(foundation).append(' ').append(component).append(" udp ").append(priority).append(' ')
        .append(address.getAddress().getHostAddress()).append(' ').append(address.getPort())
        .append(" typ ").append(type.sdpName());
    related.ifPresent(r -> s.append(" raddr ").append(r.getAddress().getHostAddress())
        .append(" rport ").append(r.getPort()));
    return s.toString();
  }

  /**
   * Parses a candidate attribute's value. Only numeric addresses are taken: a name to resolve
   * would let a peer make this node look names up.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static Candidate parse(String sdp) {
    String[] f = sdp.strip().split(" +");
    if (f.length < 8 || !f[6].equals("typ")) {
      throw new IllegalArgumentException("not a candidate: '" + sdp + "'");
    }
    if (!f[2].equalsIgnoreCase("udp")) {
      throw new IllegalArgumentException("transport " + f[2] + ", not udp");
    }
    int component = integer(f[1], "component");
    long priority;
    try {
      priority = Long.parseLong(f[3]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("priority '" + f[3] + "' is not a number");
    }
    InetSocketAddress address = new InetSocketAddress(numeric(f[4]), port(f[5]));
    CandidateType type = CandidateType.ofSdpName(f[7]);
    Optional<InetSocketAddress> related = Optional.empty();
    if (f.length >= 12 && f[8].equals("raddr") && f[10].equals("rport")) {
      related = Optional.of(new InetSocketAddress(numeric(f[9]), port(f[11])));
    }
    return new Candidate(f[0], component, priority, address, type, related);
  }

  private static int integer(String text, String what) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " '" + text + "' is not a number");
    }
  }

  private static int port(String text) {
    int p = integer(text, "port");
    if (p < 1 || p > 65535) {
      throw new IllegalArgumentException("port " + p + " outside 1-65535");
    }
    return p;
  }

  /**
   * An address literal, read without a resolver: {@code InetAddress.getByName} looks up what is
   * not a literal it knows, such as {@code 999.1.1.1} or {@code .:1}.
   */
  private static InetAddress numeric(String text) {
    try {
      if (text.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
        byte[] raw = new byte[4];
        String[] octets = text.split("\\.");
        for (int i = 0; i < raw.length; i++) {
          int octet = Integer.parseInt(octets[i]);
          if (octet > 255) {
            throw new IllegalArgumentException("address '" + text + "': octet " + octet + " over 255");
          }
          raw[i] = (byte) octet;
        }
        return InetAddress.getByAddress(raw);
      }
      if (text.contains(":") && text.matches("[0-9a-fA-F:.]+")) {
        // In brackets the JDK reads an IPv6 literal or fails: it asks no resolver.
        return InetAddress.getByName("[" + text + "]");
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("address '" + text + "' is not an IPv6 literal");
    }
    throw new IllegalArgumentException("address '" + text + "' is not numeric");
  }

}
