package io.macula.nat.strategy.peerrelay;

import io.macula.nat.api.NodeId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * What a node and a relay say on a stream of the node's relay link, one line each way, in text:
 *
 * <pre>
 * pair NODEID        node to relay: relay between me and NODEID, who asks for me too
 * paired KEY         relay to node: done; the MACs of our relay frames are under KEY (32 bytes, hex)
 * refused REASON     relay to node: not done, for this reason
 * </pre>
 *
 * The link is a QUIC connection, so the line is read by the relay only from the node the TLS
 * handshake proved, and the key reaches only that node.
 */
final class PairRequest {
  static final int MAX_LINE = 512;
  static final int KEY_LENGTH = 32;

  /** An answer of the relay: a key, or the reason it has none. */
  record Answer(byte[] key, String refusal) {
    static Answer paired(byte[] key) {
      if (key.length != KEY_LENGTH) {
        throw new IllegalArgumentException("a relay key has " + KEY_LENGTH + " bytes, not " + key.length);
      }
      return new Answer(key.clone(), null);
    }

    static Answer refused(String reason) {
      return new Answer(null, reason.replaceAll("[\\r\\n]+", " "));
    }

    boolean isPaired() {
      return key != null;
    }
  }

  private PairRequest() {}

  static void writeRequest(OutputStream out, NodeId peer) throws IOException {
    writeLine(out, "pair " + peer);
  }

  /**
   * The node a request names.
   *
   * @throws IOException when the line is not a request
   */
  static NodeId readRequest(InputStream in) throws IOException {
    String line = readLine(in);
    if (!line.startsWith("pair ")) {
      throw new IOException("not a pair request: " + abbreviated(line));
    }
    try {
      return NodeId.parse(line.substring(5));
    } catch (IllegalArgumentException e) {
      throw new IOException("a pair request names no node: " + abbreviated(line), e);
    }
  }

  static void writeAnswer(OutputStream out, Answer answer) throws IOException {
    writeLine(out, answer.isPaired() ? "paired " + HexFormat.of().formatHex(answer.key()) : "refused " + answer.refusal());
  }

  /** @throws IOException when the line is not an answer */
  static Answer readAnswer(InputStream in) throws IOException {
    String line = readLine(in);
    if (line.startsWith("refused ")) {
      return Answer.refused(line.substring(8));
    }
    if (line.startsWith("paired ")) {
      try {
        return Answer.paired(HexFormat.of().parseHex(line.substring(7)));
      } catch (IllegalArgumentException e) {
        throw new IOException("a relay's key is not " + KEY_LENGTH + " bytes in hex: " + abbreviated(line), e);
      }
    }
    throw new IOException("not an answer to a pair request: " + abbreviated(line));
  }

  private static void writeLine(OutputStream out, String line) throws IOException {
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
    out.write(bytes, 0, Math.min(bytes.length, MAX_LINE - 1)); // only a refusal's reason is that long
    out.write('\n');
    out.flush();
  }

  /** One line, without its end; at most {@link #MAX_LINE} bytes, so a peer cannot make this buffer grow. */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("the stream ended before a whole line");
      }
      if (line.size() >= MAX_LINE) {
        throw new IOException("a line longer than " + MAX_LINE + " bytes");
      }
      line.write(b);
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  private static String abbreviated(String line) {
    return line.length() <= 80 ? line : line.substring(0, 80) + "...";
  }
}
