package io.macula.nat.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one shell command on a running node through its admin socket, prints the output and exits
 * with the command's status: 0 done, 1 the command failed, 2 the node refused the request, 3 no
 * node answered.
 *
 * <pre>java -jar nat-admin.jar [--socket PATH] COMMAND [ARGUMENT...]</pre>
 *
 * With no command it reads commands from its input, one a line, and runs each in turn: a shell on
 * the running node.
 */
public final class AdminClient {
  /** What precedes the command's exit status, on the answer's last line. */
  public static final String EXIT_PREFIX = "%%EXIT ";
  static final int NO_NODE = 3;

  private AdminClient() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    Path socket = Path.of(System.getenv().getOrDefault("MACULA_ADMIN_SOCKET", "admin.sock"));
    List<String> words = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--socket") && i + 1 < args.length && words.isEmpty()) {
        socket = Path.of(args[++i]);
      } else {
        words.add(args[i]);
      }
    }
    if (words.isEmpty()) {
      return shell(socket, new java.io.BufferedReader(
          new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8)), System.console() != null);
    }
    String answer;
    try {
      answer = exchange(socket, commandLine(words));
    } catch (IOException e) {
      System.err.print(Answer.noNode(socket, e).err());
      return NO_NODE;
    }
    return print(answer);
  }

  /**
   * Runs each line of {@code in} as one command, until its end or {@code exit}.
   *
   * @return the status of the last command
   */
  static int shell(Path socket, java.io.BufferedReader in, boolean prompt) {
    int status = 0;
    try {
      while (true) {
        if (prompt) {
          System.out.print("nat> ");
          System.out.flush();
        }
        String line = in.readLine();
        if (line == null || line.strip().equals("exit")) {
          return status;
        }
        if (line.isBlank()) {
          continue;
        }
        try {
          status = print(exchange(socket, line.strip()));
        } catch (IOException e) {
          System.err.println("no node answered on " + socket + ": " + e.getMessage());
          return NO_NODE;
        }
      }
    } catch (IOException e) {
      return status;
    }
  }

  /** Joins the words into one shell line, quoting those the shell would otherwise split. */
  public static String commandLine(List<String> words) {
    StringBuilder sb = new StringBuilder();
    for (String w : words) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      if (w.isEmpty() || w.chars().anyMatch(c -> Character.isWhitespace(c) || "\"';|&".indexOf(c) >= 0)) {
        sb.append('"').append(w.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      } else {
        sb.append(w);
      }
    }
    return sb.toString();
  }

  /** Runs one command through the node's admin socket: its output, then the exit status line. */
  public static String exchange(Path socket, String command) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ByteBuffer request = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
      while (request.hasRemaining()) {
        ch.write(request);
      }
      ch.shutdownOutput();
      InputStream in = Channels.newInputStream(ch);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * An answer read: the exit status, what goes to stdout (a command's output when it ran) and what
   * goes to stderr (its error, or what was wrong with the answer).
   */
  public record Answer(int status, String out, String err) {
    /** Reads the output before the status line, and the status. */
    public static Answer of(String answer) {
      int at = answer.lastIndexOf(EXIT_PREFIX);
      if (at < 0 || (at > 0 && answer.charAt(at - 1) != '\n')) {
        return new Answer(NO_NODE, answer, "the node closed the connection without an exit status\n");
      }
      String output = answer.substring(0, at);
      int status;
      try {
        status = Integer.parseInt(answer.substring(at + EXIT_PREFIX.length()).strip());
      } catch (NumberFormatException e) {
        return new Answer(NO_NODE, "", "the node sent a malformed exit status\n");
      }
      return status == 0 ? new Answer(0, output, "") : new Answer(status, "", output);
    }

    /** The answer to a command no node took: nothing listens on the socket. */
    public static Answer noNode(Path socket, IOException e) {
      return new Answer(NO_NODE, "", "no node answered on " + socket + ": " + e.getMessage() + "\n");
    }
  }

  /** Prints the output before the status line and returns the status. */
  static int print(String answer) {
    Answer a = Answer.of(answer);
    System.out.print(a.out());
    System.err.print(a.err());
    return a.status();
  }
}
