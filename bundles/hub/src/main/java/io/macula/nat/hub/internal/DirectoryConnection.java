package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeId;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * The hub's way to the directory: a Curator client of the configured ensemble, or of a standalone
 * ZooKeeper server it runs itself when none is configured, and the directory on top.
 */
final class DirectoryConnection implements AutoCloseable {
  /** Without word from the hub for this long, ZooKeeper ends its session: its entry goes. */
  static final int SESSION_MS = 6_000;
  static final int CONNECT_MS = 3_000;

  private final EmbeddedZooKeeper embedded;
  private final MeshDirectory directory;
  private final String where;

  private DirectoryConnection(EmbeddedZooKeeper embedded, MeshDirectory directory, String where) {
    this.embedded = embedded;
    this.directory = directory;
    this.where = where;
  }

  /**
   * Opens the directory at {@code zookeeper} (a connect string), or at a server of its own in
   * {@code dataDir} when {@code zookeeper} is empty; returns once the client started, connected or not.
   */
  static DirectoryConnection open(String zookeeper, Path dataDir, NodeId self, String address,
      MeshDirectory.Owner owner) throws Exception {
    EmbeddedZooKeeper embedded = zookeeper.isBlank() ? EmbeddedZooKeeper.start(dataDir) : null;
    try {
      String connect = embedded != null ? embedded.connectString() : zookeeper;
      ZKClientConfig client = new ZKClientConfig();
      // The hubs authenticate nothing to ZooKeeper (yet): no JAAS file is looked for.
      client.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
      CuratorFramework curator = CuratorFrameworkFactory.builder()
          .connectString(connect)
          .sessionTimeoutMs(SESSION_MS)
          .connectionTimeoutMs(CONNECT_MS)
          .retryPolicy(new ExponentialBackoffRetry(100, 6, 2_000))
          .zkClientConfig(client)
          .build();
      MeshDirectory directory = new MeshDirectory(curator, self, address, Instant.now(), owner);
      Thread t = Thread.currentThread();
      ClassLoader previous = t.getContextClassLoader();
      t.setContextClassLoader(CuratorFramework.class.getClassLoader());
      try {
        directory.start();
      } catch (Exception | Error e) {
        directory.close(); // its client and threads
        throw e;
      } finally {
        t.setContextClassLoader(previous);
      }
      return new DirectoryConnection(embedded, directory,
          embedded != null ? "embedded (" + connect + ")" : zookeeper);
    } catch (Exception | Error e) {
      if (embedded != null) {
        embedded.close();
      }
      throw e;
    }
  }

  MeshDirectory directory() {
    return directory;
  }

  /** {@code embedded (127.0.0.1:port)} or the configured connect string. */
  String where() {
    return where;
  }

  @Override
  public void close() {
    directory.close();
    if (embedded != null) {
      embedded.close();
    }
  }
}
