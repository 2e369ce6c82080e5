package io.macula.nat.strategy.peerrelay;

import io.macula.nat.api.NodeId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What two peer relay strategies say through the hub, one message per signal, as text:
 *
 * <pre>
 * peerrelay/1 offer SESSION connect|move RELAY:RTT...   these relays answered me in RTT microseconds;
 *                                                      pick one and ask it for us (move: for the
 *                                                      connection we have)
 * peerrelay/1 use SESSION RELAY                        I asked RELAY for us: ask it too
 * peerrelay/1 refuse SESSION REASON                    no relay, for this reason
 * </pre>
 *
 * An offer names relays by node id only: the receiver finds their addresses in its own hub's relay
 * directory, so no node can send another to an address of its choosing.
 */
sealed interface RelaySignal {
  String PREFIX = "peerrelay/1 ";
  /** The most relays an offer names: the receiver links to each to measure it. */
  int MAX_RELAYS = 4;
  int MAX_LENGTH = 1024;
  Pattern SESSION = Pattern.compile("[A-Za-z0-9]{1,32}");

  String session();

  /** The relays the sender measured, with their round trips from it, quickest first. */
  record Offer(String session, boolean move, Map<NodeId, Duration> relays) implements RelaySignal {
    public Offer {
      relays = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(relays));
      if (relays.isEmpty() || relays.size() > MAX_RELAYS) {
        throw new IllegalArgumentException("an offer names 1 to " + MAX_RELAYS + " relays, not " + relays.size());
      }
    }
  }

  record Use(String session, NodeId relay) implements RelaySignal {}

  record Refuse(String session, String reason) implements RelaySignal {}

  /** A signal that is not a peer relay strategy's, or not well formed. */
  final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message);
    }
  }

  static boolean isPeerRelay(byte[] payload) {
    return payload.length > PREFIX.length()
        && new String(payload, 0, PREFIX.length(), StandardCharsets.US_ASCII).equals(PREFIX);
  }

  static byte[] encode(RelaySignal s) {
    String text;
    if (s instanceof Offer o) {
      StringBuilder b = new StringBuilder("offer ").append(o.session()).append(o.move() ? " move" : " connect");
      o.relays().forEach((id, rtt) -> b.append(' ').append(id).append(':').append(rtt.toNanos() / 1000));
      text = b.toString();
    } else if (s instanceof Use u) {
      text = "use " + u.session() + " " + u.relay();
    } else {
      text = "refuse " + s.session() + " " + ((Refuse) s).reason().replaceAll("[\\r\\n]+", " ");
    }
    byte[] bytes = (PREFIX + text).getBytes(StandardCharsets.UTF_8);
    return bytes.length <= MAX_LENGTH ? bytes
        : java.util.Arrays.copyOf(bytes, MAX_LENGTH); // only a refusal's reason is that long
  }

  static RelaySignal decode(byte[] payload) throws Malformed {
    if (!isPeerRelay(payload) || payload.length > MAX_LENGTH) {
      throw new Malformed("not a peer relay signal");
    }
    String[] f = new String(payload, StandardCharsets.UTF_8).substring(PREFIX.length()).split(" ", 3);
    if (f.length < 3 || !SESSION.matcher(f[1]).matches()) {
      throw new Malformed("no session, or nothing after it");
    }
    try {
      return switch (f[0]) {
        case "offer" -> offer(f[1], f[2]);
        case "use" -> new Use(f[1], NodeId.parse(f[2]));
        case "refuse" -> new Refuse(f[1], f[2]);
        default -> throw new Malformed("unknown message '" + f[0] + "'");
      };
    } catch (IllegalArgumentException e) {
      throw new Malformed(e.getMessage());
    }
  }

  private static Offer offer(String session, String rest) throws Malformed {
    String[] words = rest.split(" ");
    if (!words[0].equals("move") && !words[0].equals("connect")) {
      throw new Malformed("an offer is for a connect or a move, not '" + words[0] + "'");
    }
    Map<NodeId, Duration> relays = new LinkedHashMap<>();
    List<String> entries = new ArrayList<>(List.of(words).subList(1, words.length));
    if (entries.isEmpty() || entries.size() > MAX_RELAYS) {
      throw new Malformed("an offer names 1 to " + MAX_RELAYS + " relays, not " + entries.size());
    }
    for (String e : entries) {
      int colon = e.lastIndexOf(':');
      if (colon < 0) {
        throw new Malformed("a relay without its round trip: '" + e + "'");
      }
      long micros;
      try {
        micros = Long.parseLong(e.substring(colon + 1));
      } catch (NumberFormatException n) {
        throw new Malformed("a round trip that is not a number: '" + e + "'");
      }
      if (micros < 0 || micros > 60_000_000) {
        throw new Malformed("a round trip of " + micros + " µs");
      }
      relays.put(NodeId.parse(e.substring(0, colon)), Duration.ofNanos(micros * 1000));
    }
    return new Offer(session, words[0].equals("move"), relays);
  }
}
