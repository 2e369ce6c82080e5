package io.macula.nat.metrics.internal;

import java.util.List;
import java.util.Locale;

/** HTML for the status page, every value escaped; tables and small bar charts, no script. */
final class Html {
  private final StringBuilder out = new StringBuilder();

  Html raw(String html) {
    out.append(html);
    return this;
  }

  Html text(Object value) {
    out.append(escape(String.valueOf(value)));
    return this;
  }

  Html heading(String title) {
    return raw("<h2>").text(title).raw("</h2>\n");
  }

  /** A paragraph saying there is nothing to show. */
  Html none(String what) {
    return raw("<p class=\"none\">").text(what).raw("</p>\n");
  }

  /** A table; a {@code null} cell shows as a dash. */
  Html table(String id, List<String> header, List<List<Object>> rows) {
    raw("<table id=\"").text(id).raw("\"><thead><tr>");
    header.forEach(h -> raw("<th>").text(h).raw("</th>"));
    raw("</tr></thead><tbody>\n");
    for (List<Object> row : rows) {
      raw("<tr>");
      row.forEach(c -> raw("<td>").text(c == null ? "-" : c).raw("</td>"));
      raw("</tr>\n");
    }
    return raw("</tbody></table>\n");
  }

  /** A small bar chart of counts, one bar per label, with the count over each bar. */
  Html bars(String title, List<String> labels, long[] counts) {
    int w = 44;
    int h = 60;
    long max = 1;
    for (long c : counts) {
      max = Math.max(max, c);
    }
    raw("<figure><figcaption>").text(title).raw("</figcaption>");
    raw(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" role=\"img\">", labels.size() * w, h + 30));
    for (int i = 0; i < labels.size(); i++) {
      int bar = (int) Math.round((double) counts[i] / max * h);
      raw(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"></rect>", i * w + 4,
          h + 12 - bar, w - 8, bar));
      raw(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">", i * w + w / 2, h + 10 - bar)).text(counts[i])
          .raw("</text>");
      raw(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">", i * w + w / 2, h + 26)).text(labels.get(i))
          .raw("</text>");
    }
    return raw("</svg></figure>\n");
  }

  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
