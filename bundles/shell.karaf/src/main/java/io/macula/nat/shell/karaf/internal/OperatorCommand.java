package io.macula.nat.shell.karaf.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.karaf.shell.api.console.Command;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Parser;
import org.apache.karaf.shell.api.console.Session;

/**
 * One function of an operator commands service, as a command of Karaf's shell: {@code --help} prints its
 * help (Karaf's {@code help nat:connect} runs exactly that), a call picks the overload with as many
 * parameters as there are arguments, and the completer offers what each parameter takes.
 */
final class OperatorCommand implements Command {
  private final String scope;
  private final String name;
  private final Object target;
  private final List<Method> overloads;
  private final ArgumentValues values;

  OperatorCommand(String scope, String name, Object target, ArgumentValues values) {
    this.scope = scope;
    this.name = name;
    this.target = target;
    this.values = values;
    this.overloads = Arrays.stream(target.getClass().getMethods())
        .filter(m -> m.getName().equals(name) && !Modifier.isStatic(m.getModifiers()))
        .filter(m -> Arrays.stream(m.getParameterTypes()).allMatch(String.class::equals))
        .sorted(Comparator.comparingInt(Method::getParameterCount))
        .toList();
    if (overloads.isEmpty()) {
      throw new IllegalArgumentException(target.getClass().getName() + " has no public method " + name
          + " taking strings");
    }
  }

  @Override
  public String getScope() {
    return scope;
  }

  @Override
  public String getName() {
    return name;
  }

  String qualifiedName() {
    return scope + ":" + name;
  }

  @Override
  public String getDescription() {
    return Help.description(overloads);
  }

  @Override
  public Completer getCompleter(boolean scoped) {
    return new ArgumentCompleter(this, scoped, overloads, values);
  }

  /** Karaf's own parsing: quotes, variables and pipes as for any command. */
  @Override
  public Parser getParser() {
    return null;
  }

  @Override
  public Object execute(Session session, List<Object> arguments) throws Exception {
    List<String> args = arguments.stream().map(String::valueOf).toList();
    if (args.contains("--help")) {
      // The session's own console: Karaf's help runs this in a session of its own and shows what that
      // session's console took.
      (session == null ? System.out : session.getConsole()).print(help());
      return null;
    }
    Method overload = overloads.stream().filter(m -> m.getParameterCount() == args.size()).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(qualifiedName() + " takes " + arities() + " arguments, not "
            + args.size() + ": see " + qualifiedName() + " --help"));
    try {
      // Each function prints what it has to say: Karaf's exec mode shows no result.
      overload.invoke(target, args.toArray());
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw (Error) e.getCause();
    }
    return null;
  }

  String help() {
    return Help.of(qualifiedName(), overloads);
  }

  private String arities() {
    return overloads.stream().map(m -> String.valueOf(m.getParameterCount())).distinct()
        .collect(Collectors.joining(" or "));
  }
}
