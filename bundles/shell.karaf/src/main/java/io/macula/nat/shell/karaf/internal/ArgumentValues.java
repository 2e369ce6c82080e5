package io.macula.nat.shell.karaf.internal;

import io.macula.nat.api.command.OperatorCommands;
import java.lang.reflect.Parameter;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * What may fill a parameter, by its descriptor (the contract {@link OperatorCommands} documents):
 * node ids, strategy names, a flag, or the words of "a or b". Anything else (a message, megabytes, an
 * address) has no candidates.
 */
final class ArgumentValues {
  private final Supplier<List<String>> nodes;
  private final Supplier<List<String>> strategies;

  ArgumentValues(Supplier<List<String>> nodes, Supplier<List<String>> strategies) {
    this.nodes = nodes;
    this.strategies = strategies;
  }

  List<String> of(Parameter p) {
    String descriptor = Help.descriptor(p);
    if (descriptor.equals(OperatorCommands.NODE)) {
      return nodes.get();
    }
    if (descriptor.equals(OperatorCommands.STRATEGY)) {
      return strategies.get();
    }
    if (Help.isFlag(p)) {
      return List.of(descriptor);
    }
    List<String> words = Arrays.asList(descriptor.split(" or "));
    if (words.size() > 1 && words.stream().allMatch(w -> w.matches("[a-z-]+"))) {
      return words;
    }
    return List.of();
  }
}
