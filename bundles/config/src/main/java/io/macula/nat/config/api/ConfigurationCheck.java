package io.macula.nat.config.api;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A bundle's own check of its components' configuration, run by the configuration guard after the
 * Metatype checks and before any component sees the configuration.
 *
 * <p>A bundle names its check class in the {@value #HEADER} manifest header (a public class with a
 * public no-argument constructor), e.g. with {@code @Header(name = ConfigurationCheck.HEADER, value =
 * "${@class}")} on the class. The guard loads it from the bundle when a configuration arrives, so
 * the check is in force before the bundle's components start, whatever order bundles start in.
 */
@ConsumerType
public interface ConfigurationCheck {
  /** The manifest header naming a bundle's check class. */
  String HEADER = "Macula-Configuration-Check";

  /**
   * Why the value {@code proposed} gives {@code key} is refused, or empty when it is acceptable or
   * this check does not know the key.
   *
   * @param pid the configuration's PID, or its factory PID for a factory configuration
   * @param key the key to check; its value may be absent from {@code proposed}
   * @param proposed the whole configuration proposed, for checks that need other keys
   */
  Optional<String> check(String pid, String key, Map<String, ?> proposed);

  /**
   * The non-blank strings of a value: each element of an array or collection, each split at commas
   * and white space (a configuration file writes a list as {@code a, b}).
   */
  static List<String> strings(Object value) {
    List<Object> elements = new ArrayList<>();
    if (value == null) {
      return List.of();
    } else if (value.getClass().isArray()) {
      for (int i = 0; i < Array.getLength(value); i++) {
        elements.add(Array.get(value, i));
      }
    } else if (value instanceof Collection<?> c) {
      elements.addAll(c);
    } else {
      elements.add(value);
    }
    List<String> out = new ArrayList<>();
    for (Object e : elements) {
      for (String s : String.valueOf(e).split("[,\\s]+")) {
        if (!s.isBlank()) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /**
   * Runs a component's own parsing of a value: empty when it accepts the value, else the reason it
   * gave, without the "PID: key 'k':" prefix the guard's log line already carries.
   */
  static Optional<String> refusal(Runnable parse) {
    try {
      parse.run();
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      String why = String.valueOf(e.getMessage());
      return Optional.of(why.replaceFirst("^[\\w.]+: (key '[^']*': )?", ""));
    }
  }
}
