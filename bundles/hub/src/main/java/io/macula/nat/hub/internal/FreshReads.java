package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.hub.api.Hub;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * Reads of a node's record past the mirror: after a sync, from the server the hub is connected to.
 * At most {@link #MAX_WAITING} wait at once: what other hubs send cannot queue more.
 */
final class FreshReads implements AutoCloseable {
  static final int MAX_WAITING = 256;

  private final CuratorFramework client;
  private final DirectoryMirror mirror;
  private final Semaphore slots = new Semaphore(MAX_WAITING);
  private final LongAdder made = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final ExecutorService issuer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "nat-hub-directory-reads");
    t.setDaemon(true);
    return t;
  });

  FreshReads(CuratorFramework client, DirectoryMirror mirror) {
    this.client = client;
    this.mirror = mirror;
  }

  /** The node's record as the ensemble has it now; empty if there is none. */
  CompletionStage<Optional<Hub.HomedNode>> read(NodeId id) {
    CompletableFuture<Optional<Hub.HomedNode>> out = new CompletableFuture<>();
    if (!slots.tryAcquire()) {
      refused.increment();
      out.completeExceptionally(new IllegalStateException(MAX_WAITING + " reads of the directory wait already"));
      return out;
    }
    made.increment();
    out.whenComplete((r, e) -> slots.release());
    String path = MeshDirectory.NODES + "/" + id;
    try {
      // Issued off the caller's thread (an event loop): Curator may reconnect on the thread that asks.
      issuer.execute(() -> {
        try {
          client.sync().inBackground((c, synced) -> {
            try {
              client.getData().inBackground((c2, read) -> complete(out, id, path, read.getResultCode(), read.getData()))
                  .forPath(path);
            } catch (Exception e) {
              out.completeExceptionally(e);
            }
          }).forPath(path);
        } catch (Exception e) {
          out.completeExceptionally(e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      out.completeExceptionally(e);
    }
    return out;
  }

  private void complete(CompletableFuture<Optional<Hub.HomedNode>> out, NodeId id, String path, int code, byte[] data) {
    if (code == KeeperException.Code.OK.intValue()) {
      try {
        out.complete(Optional.of(DirectoryRecords.node(id, data)));
      } catch (IllegalArgumentException e) {
        mirror.badRecord();
        out.completeExceptionally(e);
      }
    } else if (code == KeeperException.Code.NONODE.intValue()) {
      out.complete(Optional.empty());
    } else {
      out.completeExceptionally(KeeperException.create(KeeperException.Code.get(code), path));
    }
  }

  long made() {
    return made.sum();
  }

  long refused() {
    return refused.sum();
  }

  @Override
  public void close() {
    issuer.shutdownNow();
  }
}
