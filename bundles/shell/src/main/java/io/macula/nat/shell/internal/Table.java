package io.macula.nat.shell.internal;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with left-aligned columns, as operators read it in a terminal. */
final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... header) {
    this.header = List.of(header);
  }

  Table row(Object... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException(header.size() + " cells expected, not " + cells.length);
    }
    List<String> row = new ArrayList<>(cells.length);
    for (Object c : cells) {
      row.add(String.valueOf(c));
    }
    rows.add(row);
    return this;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  @Override
  public String toString() {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = header.get(i).length();
      for (List<String> r : rows) {
        widths[i] = Math.max(widths[i], r.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    append(sb, header, widths);
    for (List<String> r : rows) {
      append(sb, r, widths);
    }
    return sb.toString();
  }

  private static void append(StringBuilder sb, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      line.append(c);
      if (i < cells.size() - 1) {
        line.append(" ".repeat(widths[i] - c.length() + 2));
      }
    }
    sb.append(line.toString().stripTrailing()).append('\n');
  }
}
