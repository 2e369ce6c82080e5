package io.macula.nat.itest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's Chromium, headless: a page's DOM once loaded, what its console said, and a screenshot. */
final class HeadlessBrowser {
  /** A page as the browser left it, and every console message it logged (Chromium logs them all as CONSOLE). */
  record Page(String dom, List<String> console) {}

  private static final String CHROMIUM = "/usr/bin/chromium";

  private HeadlessBrowser() {}

  /** Skips the calling test where Chromium is missing, and fails it there in CI, which must run it. */
  static void required() {
    boolean installed = Files.isExecutable(Path.of(CHROMIUM));
    if (!installed && "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("chromium is not installed (apt-get install chromium): CI must run the browser tests");
    }
    org.junit.Assume.assumeTrue("chromium is not installed (apt-get install chromium)", installed);
  }

  static Page load(String url) throws IOException, InterruptedException {
    Path out = Files.createTempFile("dom", ".html");
    Path err = Files.createTempFile("chromium", ".log");
    try {
      run(out, err, "--enable-logging=stderr", "--v=0", "--dump-dom", url);
      List<String> console = new ArrayList<>();
      for (String line : Files.readAllLines(err, StandardCharsets.UTF_8)) {
        if (line.contains(":CONSOLE")) {
          console.add(line);
        }
      }
      return new Page(Files.readString(out, StandardCharsets.UTF_8), console);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  static void screenshot(String url, Path png) throws IOException, InterruptedException {
    Files.createDirectories(png.getParent());
    Path log = Files.createTempFile("chromium", ".log");
    try {
      run(log, log, "--window-size=1280,1400", "--screenshot=" + png.toAbsolutePath(), url);
    } finally {
      Files.deleteIfExists(log);
    }
    if (!Files.exists(png) || Files.size(png) == 0) {
      throw new IOException("chromium made no screenshot of " + url);
    }
  }

  private static void run(Path out, Path err, String... args) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("chromium-profile");
    List<String> command = new ArrayList<>(List.of(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--virtual-time-budget=3000",
        "--user-data-dir=" + profile));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IOException("chromium did not finish within 60 s: " + command);
      }
      if (p.exitValue() != 0) {
        throw new IOException("chromium exited " + p.exitValue() + ": " + Files.readString(err));
      }
    } finally {
      try {
        Trees.delete(profile);
      } catch (IOException e) {
        // a helper chromium left behind may still write there; a profile left in /tmp harms no test
      }
    }
  }
}
