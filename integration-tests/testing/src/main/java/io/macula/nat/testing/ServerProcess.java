package io.macula.nat.testing;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What benchmarks need to run a server as a process of its own and weigh what it spent. */
public final class ServerProcess {
  private ServerProcess() {}

  /** utime + stime of a process, in clock ticks (100 a second): fields 14 and 15 of /proc/PID/stat. */
  public static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** The CPU ticks (user and system) a process's threads of this name spent: one thread's share of {@link #cpuTicks}. */
  public static long threadCpuTicks(long pid, String threadName) throws IOException {
    long ticks = 0;
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        if (Files.readString(task.resolve("comm")).strip().equals(threadName)) {
          String stat = Files.readString(task.resolve("stat"));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
      }
    }
    return ticks;
  }

  /** The class path the caller runs with, also under exec:java's class loader: a child JVM's {@code -cp}. */
  public static String classpath() {
    List<String> parts = new ArrayList<>();
    for (ClassLoader l = Thread.currentThread().getContextClassLoader(); l != null; l = l.getParent()) {
      if (l instanceof URLClassLoader u) {
        for (URL url : u.getURLs()) {
          parts.add(new File(url.getPath()).getPath());
        }
      }
    }
    parts.add(System.getProperty("java.class.path"));
    return String.join(File.pathSeparator, parts);
  }
}
