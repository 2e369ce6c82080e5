package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeId;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The hub's directory, opened in the background (the hub serves meanwhile) and opened anew when
 * its settings change.
 */
final class DirectoryHolder implements AutoCloseable {
  /** Makes the holder of a hub's directory, once the hub knows its id. */
  interface Factory {
    DirectoryHolder holder(NodeId self);
  }

  private final Path dataDir;
  private final NodeId self;
  private final MeshDirectory.Owner owner;
  private final Consumer<MeshDirectory> opened;
  private final BiConsumer<String, Exception> failed;
  /** How long a directory that did not open waits before the next try. */
  static final long RETRY_MS = 5_000;
  private final java.util.concurrent.ScheduledExecutorService opener = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "nat-hub-directory-open");
    t.setDaemon(true);
    return t;
  });
  /** Null until open. */
  private volatile DirectoryConnection connection;
  /** The settings it was opened with. */
  private String settings;

  /**
   * @param opened told of each directory opened, on the opening thread
   * @param failed told where the directory could not be opened, and why
   */
  DirectoryHolder(Path dataDir, NodeId self, MeshDirectory.Owner owner, Consumer<MeshDirectory> opened,
      BiConsumer<String, Exception> failed) {
    this.dataDir = dataDir;
    this.self = self;
    this.owner = owner;
    this.opened = opened;
    this.failed = failed;
  }

  /** Opens the directory at {@code zookeeper} (empty: a server of its own), unless it is open there already. */
  synchronized void open(String zookeeper, String address) {
    String s = zookeeper + "|" + address;
    if (s.equals(settings)) {
      return;
    }
    settings = s;
    opener.execute(() -> {
      DirectoryConnection old = connection;
      connection = null;
      if (old != null) {
        old.close();
      }
      openNow(s, zookeeper, address);
    });
  }

  /** Opens it; one that does not open is tried again, while its settings stay. */
  private void openNow(String s, String zookeeper, String address) {
    synchronized (this) {
      if (!s.equals(settings)) {
        return; // other settings came meanwhile, with their own open
      }
    }
    try {
      DirectoryConnection c = DirectoryConnection.open(zookeeper, dataDir, self, address, owner);
      connection = c;
      opened.accept(c.directory());
    } catch (Exception e) {
      failed.accept(zookeeper.isBlank() ? "the embedded server" : zookeeper, e);
      try {
        opener.schedule(() -> openNow(s, zookeeper, address), RETRY_MS, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // the hub stopped
      }
    }
  }

  /** The directory, or null while it is not open. */
  MeshDirectory current() {
    DirectoryConnection c = connection;
    return c == null ? null : c.directory();
  }

  /** Where the directory is, and whether the hub reaches it now. */
  String state() {
    DirectoryConnection c = connection;
    if (c == null) {
      return "not open";
    }
    return c.where() + (c.directory().connected() ? ", connected" : ", not connected");
  }

  @Override
  public void close() {
    opener.shutdownNow();
    try {
      opener.awaitTermination(10, TimeUnit.SECONDS); // an open under way ends before its connection is closed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    DirectoryConnection c = connection;
    connection = null;
    if (c != null) {
      c.close();
    }
  }
}
