package io.macula.nat.itest.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a system command of the lab (ip, nft, tc) and fails with its output if it fails. */
final class Sh {
  private Sh() {}

  static String run(String... command) {
    return run(List.of(command));
  }

  static String run(List<String> command) {
    String out = tryRun(command);
    if (out == null) {
      throw new IllegalStateException("failed: " + String.join(" ", command) + "\n" + last);
    }
    return out;
  }

  private static volatile String last = "";

  /** @return the output, or null when the command failed */
  static String tryRun(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        last = "timed out";
        return null;
      }
      last = out;
      return p.exitValue() == 0 ? out : null;
    } catch (IOException e) {
      last = e.toString();
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Runs the command inside a network namespace. */
  static String in(String ns, String... command) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    all.addAll(List.of(command));
    return run(all);
  }

  /** Whether a command is on the PATH. */
  static boolean has(String tool) {
    return tryRun(List.of("sh", "-c", "command -v " + tool)) != null;
  }
}
