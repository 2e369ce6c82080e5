package io.macula.nat.strategy.direct;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * What two direct strategies say through the hub, one message per signal, as text:
 *
 * <pre>
 * direct/1 dial SESSION            I am reachable: dial me (at the address the hub sees me at)
 * direct/1 refuse SESSION REASON   I will not, for this reason
 * </pre>
 *
 * A dial names no address: the node asked dials the one its hub observed, so a signal cannot
 * make it send to anywhere else.
 */
sealed interface DialBackSignal {
  String PREFIX = "direct/1 ";
  int MAX_LENGTH = 512;
  Pattern SESSION = Pattern.compile("[A-Za-z0-9]{1,32}");

  String session();

  record Dial(String session) implements DialBackSignal {}

  record Refuse(String session, String reason) implements DialBackSignal {}

  /** A signal that is not a direct strategy's, or not well formed. */
  final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message);
    }
  }

  static boolean isDirect(byte[] payload) {
    return payload.length > PREFIX.length()
        && new String(payload, 0, PREFIX.length(), StandardCharsets.US_ASCII).equals(PREFIX);
  }

  static byte[] encode(DialBackSignal s) {
    String text = s instanceof Refuse r
        ? "refuse " + r.session() + " " + r.reason().replaceAll("[\\r\\n]+", " ")
        : "dial " + s.session();
    byte[] bytes = (PREFIX + text).getBytes(StandardCharsets.UTF_8);
    return bytes.length <= MAX_LENGTH ? bytes : java.util.Arrays.copyOf(bytes, MAX_LENGTH); // a long reason only
  }

  static DialBackSignal decode(byte[] payload) throws Malformed {
    if (!isDirect(payload) || payload.length > MAX_LENGTH) {
      throw new Malformed("not a direct strategy's signal");
    }
    String[] f = new String(payload, StandardCharsets.UTF_8).substring(PREFIX.length()).split(" ", 3);
    if (f.length < 2 || !SESSION.matcher(f[1]).matches()) {
      throw new Malformed("no session");
    }
    return switch (f[0]) {
      case "dial" -> {
        if (f.length > 2) {
          throw new Malformed("a dial names nothing after its session");
        }
        yield new Dial(f[1]);
      }
      case "refuse" -> new Refuse(f[1], f.length == 3 ? f[2] : "");
      default -> throw new Malformed("unknown message '" + f[0] + "'");
    };
  }
}
