package io.macula.nat.ice.internal;

import io.macula.nat.ice.api.Candidate;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The ICE messages two agents exchange through the hub's signalling, one per signal, as text:
 *
 * <pre>
 * ice/1 offer SESSION UFRAG PWD TIEBREAKER       the controlling agent starts a session
 * ice/1 answer SESSION UFRAG PWD TIEBREAKER      the controlled agent joins it
 * ice/1 candidate SESSION CANDIDATE-ATTRIBUTE    a candidate, trickled as it is found (RFC 8838)
 * ice/1 end SESSION                              no more candidates from this side
 * ice/1 bye SESSION                              the session ended on this side
 * </pre>
 *
 * Credentials follow RFC 8445 §5.3: a ufrag of at least 4 and a password of at least 22
 * characters from the ice-char set.
 */
sealed interface IceSignal {
  String PREFIX = "ice/1 ";
  /** The offer's last word when its session pairs no relayed candidates. */
  String NO_RELAYS = "norelay";

  String session();

  /** {@code relays}: whether the offer's session pairs relayed candidates (no for an upgrade's). */
  record Offer(String session, String ufrag, String pwd, long tieBreaker, boolean relays) implements IceSignal {
    Offer(String session, String ufrag, String pwd, long tieBreaker) {
      this(session, ufrag, pwd, tieBreaker, true);
    }
  }

  record Answer(String session, String ufrag, String pwd, long tieBreaker) implements IceSignal {}

  record Trickle(String session, Candidate candidate) implements IceSignal {}

  record End(String session) implements IceSignal {}

  record Bye(String session) implements IceSignal {}

  /** A signal that is not ICE, or not well formed. */
  final class MalformedSignal extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedSignal(String message) {
      super(message);
    }
  }

  static boolean isIce(byte[] payload) {
    return payload.length > PREFIX.length()
        && new String(payload, 0, PREFIX.length(), StandardCharsets.US_ASCII).equals(PREFIX);
  }

  static byte[] encode(IceSignal s) {
    String text;
    if (s instanceof Offer o) {
      text = "offer " + o.session() + " " + o.ufrag() + " " + o.pwd() + " " + Long.toUnsignedString(o.tieBreaker())
          + (o.relays() ? "" : " " + NO_RELAYS);
    } else if (s instanceof Answer a) {
      text = "answer " + a.session() + " " + a.ufrag() + " " + a.pwd() + " " + Long.toUnsignedString(a.tieBreaker());
    } else if (s instanceof Trickle t) {
      text = "candidate " + t.session() + " " + t.candidate().toSdp();
    } else if (s instanceof End e) {
      text = "end " + e.session();
    } else {
      text = "bye " + s.session();
    }
    return (PREFIX + text).getBytes(StandardCharsets.US_ASCII);
  }

  static IceSignal decode(byte[] payload) throws MalformedSignal {
    if (!isIce(payload) || payload.length > 2048) {
      throw new MalformedSignal("not an ICE signal");
    }
    String text = new String(payload, StandardCharsets.US_ASCII).substring(PREFIX.length());
    String[] f = text.split(" ", 3);
    if (f.length < 2) {
      throw new MalformedSignal("too short: '" + text + "'");
    }
    String session = token(f[1], "session");
    try {
      return switch (f[0]) {
        case "offer", "answer" -> {
          String[] c = f.length == 3 ? f[2].split(" ") : new String[0];
          boolean offer = f[0].equals("offer");
          boolean noRelays = offer && c.length == 4 && c[3].equals(NO_RELAYS);
          if (c.length != 3 && !noRelays) {
            throw new MalformedSignal(f[0] + " needs ufrag, pwd and tie-breaker" + (offer ? ", then at most " + NO_RELAYS : ""));
          }
          String ufrag = credential(c[0], 4, "ufrag");
          String pwd = credential(c[1], 22, "pwd");
          long tieBreaker = Long.parseUnsignedLong(c[2]);
          yield offer ? new Offer(session, ufrag, pwd, tieBreaker, !noRelays) : new Answer(session, ufrag, pwd, tieBreaker);
        }
        case "candidate" -> {
          if (f.length != 3) {
            throw new MalformedSignal("candidate without its attribute");
          }
          yield new Trickle(session, Candidate.parse(f[2]));
        }
        case "end" -> new End(session);
        case "bye" -> new Bye(session);
        default -> throw new MalformedSignal("unknown ICE message '" + f[0] + "'");
      };
    } catch (IllegalArgumentException e) {
      throw new MalformedSignal(f[0] + ": " + e.getMessage());
    }
  }

  private static String token(String text, String what) throws MalformedSignal {
    if (text.isEmpty() || text.length() > 64 || !text.matches("[A-Za-z0-9+/_-]+")) {
      throw new MalformedSignal("bad " + what + " '" + text + "'");
    }
    return text;
  }

  /** RFC 8445 §5.3, RFC 8839 §5.4: ice-chars (ALPHA / DIGIT / "+" / "/"), with a minimum length. */
  private static String credential(String text, int min, String what) throws MalformedSignal {
    if (text.length() < min || text.length() > 256 || !text.matches("[A-Za-z0-9+/]+")) {
      throw new MalformedSignal("bad " + what + " '" + text + "'");
    }
    return Objects.requireNonNull(text);
  }
}
