package io.macula.nat.shell.karaf.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;

/** A command's help, laid out as Karaf lays out its own: description, syntax, arguments. */
final class Help {
  private static final String INDENT = "        ";

  private Help() {}

  /** The first overload's descriptor: what the command does, for {@code help}'s list. */
  static String description(List<Method> overloads) {
    return overloads.stream().map(Help::descriptor).filter(d -> !d.isEmpty()).findFirst().orElse("");
  }

  static String of(String command, List<Method> overloads) {
    StringBuilder out = new StringBuilder();
    out.append("DESCRIPTION\n").append(INDENT).append(command).append("\n\n");
    out.append(INDENT).append(description(overloads)).append("\n\n");
    out.append("SYNTAX\n");
    Map<String, String> arguments = new LinkedHashMap<>();
    for (Method m : overloads) {
      StringBuilder syntax = new StringBuilder(command);
      for (Parameter p : m.getParameters()) {
        syntax.append(' ').append(name(p));
        if (!isFlag(p)) {
          arguments.putIfAbsent(name(p), descriptor(p));
        }
      }
      out.append(INDENT).append(syntax).append('\n');
      if (overloads.size() > 1 && !descriptor(m).isEmpty()) {
        out.append(INDENT).append(INDENT).append(descriptor(m)).append('\n');
      }
    }
    if (!arguments.isEmpty()) {
      out.append("\nARGUMENTS\n");
      arguments.forEach((name, text) -> out.append(INDENT).append(name).append('\n')
          .append(INDENT).append(INDENT).append(text).append('\n'));
    }
    return out.toString();
  }

  /** A flag parameter ({@code --json}) is typed as itself; any other by its name. */
  static String name(Parameter p) {
    return isFlag(p) ? descriptor(p) : p.getName();
  }

  static boolean isFlag(Parameter p) {
    return descriptor(p).startsWith("--");
  }

  static String descriptor(Parameter p) {
    Descriptor d = p.getAnnotation(Descriptor.class);
    return d == null ? "" : d.value();
  }

  static String descriptor(Method m) {
    Descriptor d = m.getAnnotation(Descriptor.class);
    return d == null ? "" : d.value();
  }
}
