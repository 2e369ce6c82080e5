package io.macula.nat.itest;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One read of a node's /metrics, its samples looked up by name and labels. */
public final class Scrape {
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  final String text;
  final String contentType;
  private final List<Sample> samples = new ArrayList<>();

  private Scrape(String text, String contentType) {
    this.text = text;
    this.contentType = contentType;
    for (String line : text.split("\n")) {
      Matcher m = LINE.matcher(line);
      if (line.startsWith("#") || !m.matches()) {
        continue;
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
  }

  /** Metrics read some other way (from inside a lab namespace, say). */
  public static Scrape parse(String text) {
    return new Scrape(text, "text/plain");
  }

  static Scrape of(int port) throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/metrics").openConnection();
    c.setConnectTimeout(2000);
    c.setReadTimeout(10000);
    if (c.getResponseCode() != 200) {
      throw new IOException("/metrics answered " + c.getResponseCode());
    }
    try (InputStream in = c.getInputStream()) {
      return new Scrape(new String(in.readAllBytes(), StandardCharsets.UTF_8), c.getContentType());
    }
  }

  /** Whether the port serves /metrics now. */
  static boolean serves(int port) {
    try {
      of(port);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The samples of a name whose labels include {@code labels} (pairs of name and value). */
  List<Sample> samples(String name, String... labels) {
    return samples.stream().filter(s -> s.name().equals(name) && has(s, labels)).toList();
  }

  /** The sum of those samples; 0 when there are none. */
  public double sum(String name, String... labels) {
    return samples(name, labels).stream().mapToDouble(Sample::value).sum();
  }

  private static boolean has(Sample s, String... labels) {
    for (int i = 0; i < labels.length; i += 2) {
      if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
        return false;
      }
    }
    return true;
  }
}
