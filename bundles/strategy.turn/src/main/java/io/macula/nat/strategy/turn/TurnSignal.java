package io.macula.nat.strategy.turn;

import io.macula.nat.api.HostPort;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What two TURN strategies say through the hub, one message per signal, as text:
 *
 * <pre>
 * turn/1 request SESSION [ADDRESS...]   give me your relayed address, and let my ADDRESSes send to it
 * turn/1 relay SESSION ADDRESS          here it is: your addresses may send to it now
 * turn/1 refuse SESSION REASON          no relayed address, for this reason
 * turn/1 moved SESSION FROM TO          my relayed address FROM is renewed as TO: send to TO, which
 *                                       lets you send already; tell me when you do
 * turn/1 moved-ok SESSION               I send to TO now
 * </pre>
 */
sealed interface TurnSignal {
  String PREFIX = "turn/1 ";
  /** The most addresses a request names: the server keeps one permission for each. */
  int MAX_ADDRESSES = 4;
  int MAX_LENGTH = 1024;
  Pattern SESSION = Pattern.compile("[A-Za-z0-9]{1,32}");
  Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1?\\d?\\d)");

  String session();

  record Request(String session, List<InetSocketAddress> from) implements TurnSignal {}

  record Relay(String session, InetSocketAddress relayed) implements TurnSignal {}

  record Refuse(String session, String reason) implements TurnSignal {}

  record Moved(String session, InetSocketAddress from, InetSocketAddress to) implements TurnSignal {}

  record MovedOk(String session) implements TurnSignal {}

  /** A signal that is not a TURN strategy's, or not well formed. */
  final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message);
    }
  }

  static boolean isTurn(byte[] payload) {
    return payload.length > PREFIX.length()
        && new String(payload, 0, PREFIX.length(), StandardCharsets.US_ASCII).equals(PREFIX);
  }

  static byte[] encode(TurnSignal s) {
    String text;
    if (s instanceof Request r) {
      StringBuilder b = new StringBuilder("request ").append(r.session());
      r.from().forEach(a -> b.append(' ').append(address(a)));
      text = b.toString();
    } else if (s instanceof Relay r) {
      text = "relay " + r.session() + " " + address(r.relayed());
    } else if (s instanceof Moved m) {
      text = "moved " + m.session() + " " + address(m.from()) + " " + address(m.to());
    } else if (s instanceof MovedOk m) {
      text = "moved-ok " + m.session();
    } else {
      text = "refuse " + s.session() + " " + ((Refuse) s).reason().replaceAll("[\\r\\n]+", " ");
    }
    byte[] bytes = (PREFIX + text).getBytes(StandardCharsets.UTF_8);
    return bytes.length <= MAX_LENGTH ? bytes
        : java.util.Arrays.copyOf(bytes, MAX_LENGTH); // only a refusal's reason is that long
  }

  static TurnSignal decode(byte[] payload) throws Malformed {
    if (!isTurn(payload) || payload.length > MAX_LENGTH) {
      throw new Malformed("not a TURN signal");
    }
    String[] f = new String(payload, StandardCharsets.UTF_8).substring(PREFIX.length()).split(" ", 3);
    if (f.length < 2 || !SESSION.matcher(f[1]).matches()) {
      throw new Malformed("no session");
    }
    String rest = f.length == 3 ? f[2] : "";
    try {
      return switch (f[0]) {
        case "request" -> {
          List<InetSocketAddress> from = new ArrayList<>();
          for (String a : rest.isEmpty() ? new String[0] : rest.split(" ")) {
            from.add(parse(a));
          }
          if (from.size() > MAX_ADDRESSES) {
            throw new Malformed("more than " + MAX_ADDRESSES + " addresses");
          }
          yield new Request(f[1], List.copyOf(from));
        }
        case "relay" -> new Relay(f[1], parse(rest));
        case "refuse" -> new Refuse(f[1], rest);
        case "moved" -> {
          String[] addresses = rest.split(" ");
          if (addresses.length != 2) {
            throw new Malformed("a move names two addresses");
          }
          yield new Moved(f[1], parse(addresses[0]), parse(addresses[1]));
        }
        case "moved-ok" -> {
          if (!rest.isEmpty()) {
            throw new Malformed("a move's acknowledgement names nothing more");
          }
          yield new MovedOk(f[1]);
        }
        default -> throw new Malformed("unknown message '" + f[0] + "'");
      };
    } catch (IllegalArgumentException e) {
      throw new Malformed(e.getMessage());
    }
  }

  private static String address(InetSocketAddress a) {
    return new HostPort(a.getAddress().getHostAddress(), a.getPort()).toString();
  }

  /** A literal address only: a signal never makes this node resolve a name. */
  private static InetSocketAddress parse(String text) {
    HostPort hp = HostPort.parseRemote(text);
    if (!IPV4.matcher(hp.host()).matches() && !hp.host().matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
      throw new IllegalArgumentException("not an IP address: '" + text + "'");
    }
    return hp.resolved(); // a literal (an IPv6 one has a colon): nothing is looked up
  }
}
