package io.macula.nat.itest.lab;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link UdpProbe} process started in a lab namespace, and what it has received. */
final class Probe implements AutoCloseable {
  private final Process process;
  private final OutputStream commands;
  private final List<String> received = new CopyOnWriteArrayList<>();

  Probe(String ns, String... addresses) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "java", "-Xshare:auto",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), UdpProbe.class.getName()));
    cmd.addAll(List.of(addresses));
    process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    commands = process.getOutputStream();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String first = out.readLine();
    if (!"ready".equals(first)) {
      throw new IllegalStateException("the probe in " + ns + " did not start: " + first);
    }
    Thread reader = new Thread(() -> {
      try {
        for (String line; (line = out.readLine()) != null; ) {
          received.add(line);
        }
      } catch (Exception e) {
        // ended
      }
    });
    reader.setDaemon(true);
    reader.start();
  }

  void send(int from, String to, String text) throws Exception {
    commands.write(("send " + from + " " + to + " " + text + "\n").getBytes(StandardCharsets.UTF_8));
    commands.flush();
  }

  /** The sender of the datagram whose text is {@code text}, waiting up to {@code wait}. */
  String senderOf(String text, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    do {
      for (String line : received) {
        String[] w = line.split(" ", 4);
        if (w.length == 4 && w[3].equals(text)) {
          return w[2];
        }
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    return null;
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
