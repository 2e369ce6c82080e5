package io.macula.nat.shell.karaf.internal;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;

/**
 * Completes one command's line: its name in the first word, then each argument with what its parameter
 * takes, in any overload long enough. Karaf asks every command's completer about every line, so a line
 * of another command gets nothing from this one.
 */
final class ArgumentCompleter implements Completer {
  private final OperatorCommand command;
  private final boolean scoped;
  private final List<Method> overloads;
  private final ArgumentValues values;

  ArgumentCompleter(OperatorCommand command, boolean scoped, List<Method> overloads, ArgumentValues values) {
    this.command = command;
    this.scoped = scoped;
    this.overloads = overloads;
    this.values = values;
  }

  @Override
  public int complete(Session session, CommandLine line, List<String> candidates) {
    List<Candidate> found = new ArrayList<>();
    completeCandidates(session, line, found);
    found.forEach(c -> candidates.add(c.value()));
    return found.isEmpty() ? -1 : line.getBufferPosition() - line.getArgumentPosition();
  }

  @Override
  public void completeCandidates(Session session, CommandLine line, List<Candidate> candidates) {
    int index = line.getCursorArgumentIndex();
    String word = typed(line);
    TreeSet<String> offered = new TreeSet<>();
    if (index == 0) {
      offered.add(command.getName());
      if (!scoped) {
        offered.add(command.qualifiedName());
      }
    } else if (index > 0 && names(session, line.getArguments()[0])) {
      for (Method m : overloads) {
        if (m.getParameterCount() >= index) {
          offered.addAll(values.of(m.getParameters()[index - 1]));
        }
      }
    }
    offered.stream().filter(v -> v.startsWith(word)).forEach(v -> candidates.add(new Candidate(v, true)));
  }

  /** Whether the line's first word is this command, scoped or as the session resolves it. */
  private boolean names(Session session, String first) {
    if (first.equals(command.qualifiedName())) {
      return true;
    }
    return first.equals(command.getName()) && command.qualifiedName().equals(resolve(session, first));
  }

  private static String resolve(Session session, String name) {
    try {
      return session.resolveCommand(name);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The part of the word under the cursor typed so far. */
  private static String typed(CommandLine line) {
    String argument = line.getCursorArgument();
    return argument == null ? "" : argument.substring(0, Math.min(line.getArgumentPosition(), argument.length()));
  }
}
