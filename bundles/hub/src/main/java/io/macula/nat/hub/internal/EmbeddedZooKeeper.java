package io.macula.nat.hub.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;

/**
 * A standalone ZooKeeper server for a hub that has no ensemble configured: on loopback, on a port
 * the kernel picks, its data in the hub's own folder. Only its hub connects to it.
 */
final class EmbeddedZooKeeper implements AutoCloseable {
  static final int TICK_MS = 500;
  /** The hub's own client, and room for a zkCli an operator runs against it. */
  private static final int MAX_CLIENTS = 16;

  private final ServerCnxnFactory factory;
  private final ZooKeeperServer server;

  private EmbeddedZooKeeper(ServerCnxnFactory factory, ZooKeeperServer server) {
    this.factory = factory;
    this.server = server;
  }

  static EmbeddedZooKeeper start(Path dataDir) throws IOException, InterruptedException {
    return start(dataDir, 0);
  }

  /** On a given port: a server restarted where its clients look for it. */
  static EmbeddedZooKeeper start(Path dataDir, int port) throws IOException, InterruptedException {
    Files.createDirectories(dataDir);
    // ZooKeeper loads classes by name (its metrics provider, its connection factory) through
    // the thread's context class loader: in OSGi, it must be ZooKeeper's own.
    Thread t = Thread.currentThread();
    ClassLoader previous = t.getContextClassLoader();
    t.setContextClassLoader(ZooKeeperServer.class.getClassLoader());
    try {
      ZooKeeperServer server = new ZooKeeperServer(dataDir.toFile(), dataDir.toFile(), TICK_MS);
      ServerCnxnFactory factory = ServerCnxnFactory.createFactory(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port), MAX_CLIENTS);
      factory.startup(server);
      return new EmbeddedZooKeeper(factory, server);
    } finally {
      t.setContextClassLoader(previous);
    }
  }

  /** The connect string of this server. */
  String connectString() {
    return "127.0.0.1:" + port();
  }

  int port() {
    return factory.getLocalPort();
  }

  @Override
  public void close() {
    factory.shutdown();
    server.shutdown();
  }
}
