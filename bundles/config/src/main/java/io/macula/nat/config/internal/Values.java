package io.macula.nat.config.internal;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Configuration values as the strings Metatype validates and a log line shows. */
final class Values {
  private static final int SHOWN = 80;

  private Values() {}

  /** Each element of an array or collection value, or the value itself, as a string. */
  static List<String> elements(Object value) {
    List<String> out = new ArrayList<>();
    if (value == null) {
      return out;
    }
    if (value.getClass().isArray()) {
      for (int i = 0; i < Array.getLength(value); i++) {
        out.add(String.valueOf(Array.get(value, i)));
      }
    } else if (value instanceof Collection<?> c) {
      c.forEach(e -> out.add(String.valueOf(e)));
    } else {
      out.add(String.valueOf(value));
    }
    return out;
  }

  /** The value quoted for a log line, cut short so a huge value cannot flood the log. */
  static String show(Object value) {
    String s = value == null ? "(none)" : "'" + String.join(",", elements(value)) + "'";
    return s.length() <= SHOWN ? s : s.substring(0, SHOWN) + "...'";
  }
}
