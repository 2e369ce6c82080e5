package io.macula.nat.shell.karaf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.command.OperatorCommands;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Session;
import org.junit.jupiter.api.Test;

class OperatorCommandTest {
  /** Commands as a bundle offers them: overloads, a flag, choices, and one that fails. */
  public static final class Sample {
    final List<String> calls = new ArrayList<>();

    @Descriptor("list the recorded attempts of every connect")
    public void attempts() {
      calls.add("attempts");
    }

    @Descriptor("list the recorded attempts of connects to one node")
    public void attempts(@Descriptor(OperatorCommands.NODE) String node) {
      calls.add("attempts " + node);
    }

    @Descriptor("move a connection onto another path")
    public void path(@Descriptor(OperatorCommands.NODE) String node, @Descriptor("direct or relay") String kind) {
      calls.add("path " + node + " " + kind);
    }

    @Descriptor("check the network")
    public void netcheck(@Descriptor("--json") String flag) {
      calls.add("netcheck " + flag);
    }

    @Descriptor("let connects use a strategy")
    public void enable(@Descriptor(OperatorCommands.STRATEGY) String name) {
      throw new IllegalArgumentException("no strategy named " + name);
    }
  }

  private final Sample sample = new Sample();
  private final ArgumentValues values =
      new ArgumentValues(() -> List.of("aaaa", "abcd", "bbbb"), () -> List.of("direct", "holepunch", "turn"));

  private OperatorCommand command(String name) {
    return new OperatorCommand("nat", name, sample, values);
  }

  @Test
  void aCallPicksTheOverloadByItsArgumentCount() throws Exception {
    command("attempts").execute(null, List.of());
    command("attempts").execute(null, List.of("abcd"));
    command("path").execute(null, List.of("abcd", "relay"));
    assertEquals(List.of("attempts", "attempts abcd", "path abcd relay"), sample.calls);
  }

  @Test
  void aWrongArgumentCountSaysWhatTheCommandTakes() {
    Exception e = assertThrows(IllegalArgumentException.class, () -> command("attempts").execute(null, List.of("a", "b")));
    assertEquals("nat:attempts takes 0 or 1 arguments, not 2: see nat:attempts --help", e.getMessage());
  }

  @Test
  void theCommandsOwnErrorReachesTheOperatorUnwrapped() {
    Exception e = assertThrows(IllegalArgumentException.class, () -> command("enable").execute(null, List.of("x")));
    assertEquals("no strategy named x", e.getMessage());
  }

  @Test
  void helpLaysOutEveryOverloadAndArgument() throws Exception {
    String help = printed(() -> command("attempts").execute(null, List.of("--help")));
    assertEquals("""
        DESCRIPTION
                nat:attempts

                list the recorded attempts of every connect

        SYNTAX
                nat:attempts
                        list the recorded attempts of every connect
                nat:attempts node
                        list the recorded attempts of connects to one node

        ARGUMENTS
                node
                        the node's id
        """, help);
    assertTrue(sample.calls.isEmpty(), "--help runs nothing");
    assertTrue(command("netcheck").help().contains("nat:netcheck --json\n"), command("netcheck").help());
    assertEquals("list the recorded attempts of every connect", command("attempts").getDescription());
  }

  @Test
  void theCompleterOffersWhatEachParameterTakes() {
    assertEquals(List.of("abcd"), complete("path", "nat:path ab", 1));
    assertEquals(List.of("aaaa", "abcd", "bbbb"), complete("path", "nat:path ", 1));
    assertEquals(List.of("relay"), complete("path", "nat:path abcd r", 2));
    assertEquals(List.of("direct", "relay"), complete("path", "path abcd ", 2));
    assertEquals(List.of("holepunch"), complete("enable", "nat:enable h", 1));
    assertEquals(List.of("--json"), complete("netcheck", "nat:netcheck ", 1));
    assertEquals(List.of(), complete("attempts", "nat:attempts abcd ", 2), "past the last parameter");
  }

  @Test
  void theCompleterNamesItsCommandAndLeavesOtherLinesAlone() {
    assertEquals(List.of("path"), complete("path", "pa", 0));
    assertEquals(List.of("nat:path"), complete("path", "nat:pa", 0));
    assertEquals(List.of(), complete("path", "nat:ping ", 1));
    assertEquals(List.of(), complete("path", "path ", 1, "other:path"), "path resolves to another scope");
  }

  private List<String> complete(String name, String buffer, int index) {
    return complete(name, buffer, index, "nat:" + name);
  }

  private List<String> complete(String name, String buffer, int index, String resolved) {
    List<Candidate> found = new ArrayList<>();
    command(name).getCompleter(false).completeCandidates(session(resolved), line(buffer, index), found);
    return found.stream().map(Candidate::value).toList();
  }

  private static Session session(String resolved) {
    return (Session) Proxy.newProxyInstance(Session.class.getClassLoader(), new Class<?>[] {Session.class},
        (proxy, method, args) -> method.getName().equals("resolveCommand") ? resolved : null);
  }

  /** The line as Karaf's parser hands it over, the cursor at its end. */
  private static CommandLine line(String buffer, int index) {
    String[] words = buffer.endsWith(" ") ? (buffer + "x").split(" ") : buffer.split(" ");
    if (buffer.endsWith(" ")) {
      words[words.length - 1] = "";
    }
    String cursor = words[index];
    return new CommandLine() {
      @Override
      public int getCursorArgumentIndex() {
        return index;
      }

      @Override
      public String getCursorArgument() {
        return cursor;
      }

      @Override
      public int getArgumentPosition() {
        return cursor.length();
      }

      @Override
      public String[] getArguments() {
        return words;
      }

      @Override
      public int getBufferPosition() {
        return buffer.length();
      }

      @Override
      public String getBuffer() {
        return buffer;
      }
    };
  }

  private interface Call {
    void run() throws Exception;
  }

  private static String printed(Call call) throws Exception {
    PrintStream out = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      call.run();
    } finally {
      System.setOut(out);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
