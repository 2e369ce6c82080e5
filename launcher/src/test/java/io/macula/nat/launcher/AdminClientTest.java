package io.macula.nat.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AdminClientTest {
  static Stream<Arguments> commandLines() {
    return Stream.of(
        Arguments.of(List.of("nat:strategies"), "nat:strategies"),
        Arguments.of(List.of("nat:priority", "direct", "7"), "nat:priority direct 7"),
        Arguments.of(List.of("echo", "two words"), "echo \"two words\""),
        Arguments.of(List.of("echo", "say \"hi\""), "echo \"say \\\"hi\\\"\""),
        Arguments.of(List.of("echo", "a;b"), "echo \"a;b\""),
        Arguments.of(List.of("echo", ""), "echo \"\""));
  }

  @ParameterizedTest
  @MethodSource("commandLines")
  void wordsAreQuotedWhereTheShellWouldSplitThem(List<String> words, String line) {
    assertEquals(line, AdminClient.commandLine(words));
  }

  @Test
  void theStatusLineGivesTheExitStatus() {
    assertEquals(0, AdminClient.print("hello\n%%EXIT 0\n"));
    assertEquals(1, AdminClient.print("ERROR: no\n%%EXIT 1\n"));
    assertEquals(0, AdminClient.print("%%EXIT 0\n"));
  }

  @Test
  void anAnswerWithoutAStatusLineMeansNoNode() {
    assertEquals(AdminClient.NO_NODE, AdminClient.print("half an answer"));
    assertEquals(AdminClient.NO_NODE, AdminClient.print("x%%EXIT 0\n"));
    assertEquals(AdminClient.NO_NODE, AdminClient.print("%%EXIT zero\n"));
  }

  @Test
  void aShellWithNoInputRunsNothing() {
    assertEquals(0, AdminClient.shell(java.nio.file.Path.of("no-such.sock"),
        new java.io.BufferedReader(new java.io.StringReader("\n  \nexit\nnat:strategies\n")), false));
  }

  @Test
  void aShellWithNoNodeSaysSo() {
    assertEquals(AdminClient.NO_NODE, AdminClient.shell(java.nio.file.Path.of("no-such.sock"),
        new java.io.BufferedReader(new java.io.StringReader("nat:strategies\n")), false));
  }
}
