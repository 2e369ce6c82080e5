package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.hub.api.Hub;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The mesh's directory of hubs and nodes, in ZooKeeper: this hub's own entry (ephemeral: it goes
 * when the hub's session does) and the records of the nodes homed here, written on real changes
 * only. Each record is written with a compare-and-set on its version: a hub takes a node's home
 * only on a Register it just received, and any other write of its own fails once another hub
 * took the node, so a hub that comes back from a pause never overwrites a newer home. Reads come
 * from a mirror of the whole directory in memory.
 */
final class MeshDirectory implements Forwarding.Directory, AutoCloseable {
  static final String ROOT = "/macula";
  static final String HUBS = ROOT + "/hubs";
  static final String NODES = ROOT + "/nodes";
  /** The mesh's allowlist: one child per node admitted at every hub. */
  static final String ALLOWED = ROOT + "/allowed";
  /** How long an operator's change to the allowlist may wait for the ensemble. */
  static final java.time.Duration OPERATOR_WAIT = java.time.Duration.ofSeconds(10);
  /** How often the hub's entry says again how many nodes it holds, when that changed. */
  static final long LOAD_EVERY_MS = 5_000;
  /** Compare-and-set rounds a home write tries while other hubs write the same record. */
  private static final int HOME_ATTEMPTS = 8;

  /** What the directory needs of its hub. */
  interface Owner {
    /** How many nodes the hub holds now: its load, as the other hubs see it. */
    int nodeCount();

    void log(String message, Object... args);

    /** Another hub took the home of a node this hub held: its session here is stale. */
    void homeTaken(NodeId node, NodeId home);

    /** Whether the node is registered with this hub now. */
    boolean holds(NodeId node);

    /** A hub entered the mesh or left it. */
    void hubsChanged();

    /** A hub left the mesh: its entry is gone from the directory. */
    void hubGone(NodeId hub);

    /**
     * How long a hub may be gone from the directory before the records of the nodes it held are
     * deleted: its nodes register with other hubs within seconds, and their records with them.
     */
    default java.time.Duration orphansAfter() {
      return ORPHANS_AFTER;
    }

    /** The nodes the hub holds now: their records are written again where they went missing. */
    default java.util.Collection<NodeDescriptor> held() {
      return List.of();
    }
  }

  static final java.time.Duration ORPHANS_AFTER = java.time.Duration.ofSeconds(30);

  /** What a hub writes of a node: the version it wrote last, and the epoch it wrote. */
  private record Written(int version, long epoch) {}

  /**
   * HOME takes the node's home (a Register); UPDATE writes a change to a record this hub wrote;
   * RESTORE writes the record of a node this hub holds where it went missing (deleted while this
   * hub's session was lost), and nothing if it is there; LEAVE deletes it.
   */
  private enum Kind { HOME, UPDATE, RESTORE, LEAVE }

  private record Op(Kind kind, NodeDescriptor node) {}

  private final CuratorFramework client;
  private final NodeId self;
  private final String address;
  private final Instant since;
  private final Owner owner;
  private final PersistentNode entry;
  private final CuratorCache cache;
  private final ScheduledExecutorService writer;
  private final DirectoryMirror mirror;
  private final FreshReads freshReads;
  private final Map<NodeId, Written> written = new ConcurrentHashMap<>();
  /** Nodes another hub took from this one: none of their changes is written until they register here again. */
  private final java.util.Set<NodeId> lost = ConcurrentHashMap.newKeySet();
  /** The hubs records name as home that the directory does not list, and since when (nanos): the writer's only. */
  private final Map<NodeId, Long> goneSince = new java.util.HashMap<>();
  private final LinkedHashMap<NodeId, Op> pending = new LinkedHashMap<>();
  private final LongAdder writes = new LongAdder();
  /** Nodes whose record a writer is writing now: never two writes of one node at once. Guarded by {@link #pending}. */
  private final java.util.Set<NodeId> writing = new java.util.HashSet<>();
  /** The connection is lost: writes wait until it is back. Guarded by {@link #pending}. */
  private boolean stalled;
  /**
   * Records written at once: each write is a round trip (two for a home) the ensemble answers in
   * order, so the writers keep a few in flight instead of one.
   */
  static final int WRITERS = 16;
  private final java.util.concurrent.ExecutorService writers = Executors.newFixedThreadPool(WRITERS, r -> {
    Thread t = new Thread(r, "nat-hub-directory-write");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean connected;
  /** The mirror read the whole directory once: only then does a hub missing from it count as gone. */
  private volatile boolean initialized;
  /** The ZooKeeper session was lost (its ephemeral entry with it): the connection listener's only. */
  private boolean sessionLost;
  private volatile int lastLoad = -1;

  MeshDirectory(CuratorFramework client, NodeId self, String address, Instant since, Owner owner) {
    this.client = client;
    this.self = self;
    this.address = address;
    this.since = since;
    this.owner = owner;
    this.mirror = new DirectoryMirror(self, owner);
    this.freshReads = new FreshReads(client, mirror);
    this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nat-hub-directory");
      t.setDaemon(true);
      return t;
    });
    this.entry = new PersistentNode(client, CreateMode.EPHEMERAL, false, HUBS + "/" + self, hubRecord(0));
    this.cache = CuratorCache.build(client, ROOT);
  }

  /** Connects, enters the hub in the directory and starts mirroring it; returns at once. */
  void start() {
    client.getConnectionStateListenable().addListener((c, state) -> {
      connected = state.isConnected();
      if (state == ConnectionState.CONNECTED || state == ConnectionState.RECONNECTED) {
        synchronized (pending) {
          stalled = false;
        }
        dispatch();
      }
      if (state == ConnectionState.LOST) {
        sessionLost = true;
      }
      if (state == ConnectionState.RECONNECTED) {
        onWriter(this::sweepStale); // a leave lost with the connection left a record behind
        if (sessionLost) {
          // Other hubs may have deleted the records of this hub's nodes as orphans meanwhile.
          sessionLost = false;
          owner.held().forEach(n -> submit(new Op(Kind.RESTORE, n)));
        }
      }
      owner.log("directory: {}", state.name().toLowerCase());
    });
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forCreatesAndChanges((old, data) -> mirror.mirror(data))
        .forDeletes(mirror::forget)
        .forInitialized(() -> {
          initialized = true;
          onWriter(this::sweepStale);
        })
        .build());
    client.start();
    cache.start();
    entry.start();
    writer.scheduleWithFixedDelay(() -> {
      reportLoad();
      sweepOrphans();
    }, LOAD_EVERY_MS, LOAD_EVERY_MS, TimeUnit.MILLISECONDS);
  }

  boolean connected() {
    return connected;
  }

  /**
   * Whether the directory is connected, waiting up to {@code wait} for it: after an ensemble
   * member dies the client takes a moment to reach another, and a change asked for meanwhile
   * should wait for it rather than fail.
   */
  boolean awaitConnected(java.time.Duration wait) {
    try {
      return connected || client.blockUntilConnected((int) wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return connected;
    }
  }

  /** The directory's ZooKeeper client: for a test that ends its session. */
  CuratorFramework client() {
    return client;
  }

  /** The node registered here now: the hub takes its home. */
  void registered(NodeDescriptor node) {
    submit(new Op(Kind.HOME, node));
  }

  /** What the hub knows of a node homed here changed (its NAT, its relay offer). */
  void changed(NodeDescriptor node) {
    submit(new Op(Kind.UPDATE, node));
  }

  /** The node left this hub: its record goes, unless another hub holds it by now. */
  void left(NodeId node) {
    submit(new Op(Kind.LEAVE, NodeDescriptor.unknown(node)));
  }

  List<Hub.MeshHub> hubs() {
    return mirror.hubs();
  }

  List<Hub.HomedNode> nodes() {
    return mirror.nodes();
  }

  /** The nodes of the mesh that offer to relay, as the mirror has them, by id. */
  List<Hub.HomedNode> relays() {
    return mirror.relays();
  }

  @Override
  public Optional<Hub.HomedNode> node(NodeId id) {
    return mirror.node(id);
  }

  /** A hub of the mesh, as the mirror has it: one whose entry is there is alive. */
  @Override
  public Optional<Hub.MeshHub> hub(NodeId id) {
    return mirror.hub(id);
  }

  /**
   * A node's record as the ensemble has it now, not as the mirror does: after a sync, read from
   * the server this hub is connected to. For a record the mirror may not show yet, or shows stale.
   */
  @Override
  public java.util.concurrent.CompletionStage<Optional<Hub.HomedNode>> fresh(NodeId id) {
    return freshReads.read(id);
  }

  /** Where a hub of the mesh is reached, resolved when its entry was read; empty if it does not resolve. */
  @Override
  public Optional<java.net.InetSocketAddress> hubAddress(NodeId id) {
    return mirror.hubAddress(id);
  }

  /** Whether the mesh's allowlist admits the node. */
  boolean allows(NodeId node) {
    return mirror.allows(node);
  }

  /** The mesh's allowlist, as the mirror has it. */
  java.util.SortedSet<NodeId> allowed() {
    return mirror.allowed();
  }

  /**
   * Adds a node to the mesh's allowlist, and waits until the ensemble has it.
   *
   * @return false if it was there already
   */
  boolean allow(NodeId node) throws Exception {
    try {
      client.create().creatingParentsIfNeeded().forPath(ALLOWED + "/" + node, new byte[0]);
      mirror.allowedNow(node, true);
      return true;
    } catch (KeeperException.NodeExistsException e) {
      return false;
    }
  }

  /**
   * Takes a node off the mesh's allowlist, and waits until the ensemble has it.
   *
   * @return false if it was not there
   */
  boolean disallow(NodeId node) throws Exception {
    try {
      client.delete().forPath(ALLOWED + "/" + node);
      mirror.allowedNow(node, false);
      return true;
    } catch (KeeperException.NoNodeException e) {
      return false;
    }
  }

  /** Records written to ZooKeeper since the hub started: real changes only. */
  long writes() {
    return writes.sum();
  }

  /** The directory's counters, by name: writes, those waiting, bad records, reads past the mirror and those refused. */
  Map<String, Long> counters() {
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("directory-writes", writes.sum());
    synchronized (pending) {
      out.put("directory-writes-waiting", (long) pending.size());
      out.put("directory-writes-running", (long) writing.size());
    }
    out.put("directory-bad-records", mirror.badRecords());
    out.put("fresh-reads", freshReads.made());
    out.put("fresh-reads-refused", freshReads.refused());
    out.put("mirrored-nodes", (long) mirror.nodeCount());
    return out;
  }

  /** Records in the directory that did not parse: ignored, and counted. */
  long badRecords() {
    return mirror.badRecords();
  }

  private void submit(Op op) {
    synchronized (pending) {
      if (op.kind() == Kind.RESTORE) {
        pending.putIfAbsent(op.node().id(), op); // whatever else waits for the node writes its record too
      } else {
        merge(op);
      }
    }
    dispatch();
  }

  /** Puts an op in the queue, in place of what waits for its node (part of it, for a home still to be written). */
  private void merge(Op op) {
    Op before = pending.remove(op.node().id());
    // A change to a node whose home is still to be written is part of that write.
    Op merged = before != null && before.kind() == Kind.HOME && op.kind() == Kind.UPDATE
        ? new Op(Kind.HOME, op.node()) : op;
    pending.put(op.node().id(), merged);
  }

  /** Runs on the writer, unless the directory is closing. */
  private void onWriter(Runnable task) {
    try {
      writer.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed: nothing more is written
    }
  }

  /**
   * Starts the writes that wait, oldest first, up to {@link #WRITERS} at once and one per node: the
   * latest state of each node only.
   */
  private void dispatch() {
    List<Op> starting = new java.util.ArrayList<>();
    synchronized (pending) {
      if (stalled) {
        return;
      }
      var waiting = pending.values().iterator();
      while (writing.size() < WRITERS && waiting.hasNext()) {
        Op op = waiting.next();
        if (writing.add(op.node().id())) {
          waiting.remove();
          starting.add(op);
        }
      }
    }
    for (Op op : starting) {
      try {
        writers.execute(() -> write(op));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        return; // closed: nothing more is written
      }
    }
  }

  /** Writes one node's record, then starts what waits. */
  private void write(Op op) {
    boolean lostConnection = false;
    try {
      apply(op);
    } catch (KeeperException.ConnectionLossException | KeeperException.SessionExpiredException e) {
      lostConnection = true;
    } catch (Exception e) {
      owner.log("directory: writing node {} failed: {}", op.node().id(), e.toString());
    }
    synchronized (pending) {
      writing.remove(op.node().id());
      if (lostConnection) {
        pending.putIfAbsent(op.node().id(), op); // unless a newer state waits already
        // Written again once the directory is back: the connection listener resumes, unless it did already.
        stalled = !connected;
        if (stalled) {
          return;
        }
      }
    }
    dispatch();
  }

  private void apply(Op op) throws Exception {
    NodeId id = op.node().id();
    String path = NODES + "/" + id;
    switch (op.kind()) {
      case HOME -> {
        if (owner.holds(id)) { // a Register whose node left meanwhile takes nothing
          lost.remove(id);
          home(id, path, op.node());
        }
      }
      case UPDATE -> {
        if (lost.contains(id) || !owner.holds(id)) {
          return; // another hub took it: only a new Register here takes it back
        }
        Written w = written.get(id);
        if (w == null) {
          home(id, path, op.node()); // its home was never written: this is it
          return;
        }
        try {
          Stat s = client.setData().withVersion(w.version())
              .forPath(path, DirectoryRecords.node(new Hub.HomedNode(op.node(), self, w.epoch())));
          writes.increment();
          written.put(id, new Written(s.getVersion(), w.epoch()));
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
          taken(id, path, op.node());
        }
      }
      case RESTORE -> {
        if (lost.contains(id) || !owner.holds(id)) {
          return;
        }
        try {
          client.create().creatingParentsIfNeeded().forPath(path, DirectoryRecords.node(new Hub.HomedNode(op.node(), self, 1)));
          writes.increment();
          written.put(id, new Written(0, 1));
        } catch (KeeperException.NodeExistsException e) {
          // there: this hub's still, or another's now (this hub's next write finds out which)
        }
      }
      case LEAVE -> {
        lost.remove(id);
        Written w = written.get(id);
        if (w != null) {
          try {
            client.delete().withVersion(w.version()).forPath(path);
            writes.increment();
          } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            // another hub holds the node now: its record stays
          }
          written.remove(id, w); // only once the delete is done or moot: a lost connection retries it
        }
      }
      default -> throw new IllegalStateException(op.kind().name());
    }
  }

  /** Takes the node's home: a compare-and-set on the record as it is now, its epoch one more. */
  private void home(NodeId id, String path, NodeDescriptor node) throws Exception {
    for (int attempt = 0; attempt < HOME_ATTEMPTS; attempt++) {
      Stat stat = new Stat();
      byte[] now;
      try {
        now = client.getData().storingStatIn(stat).forPath(path);
      } catch (KeeperException.NoNodeException e) {
        try {
          client.create().creatingParentsIfNeeded().forPath(path, DirectoryRecords.node(new Hub.HomedNode(node, self, 1)));
          writes.increment();
          written.put(id, new Written(0, 1));
          return;
        } catch (KeeperException.NodeExistsException raced) {
          continue;
        }
      }
      long epoch = epochOf(id, now) + 1;
      try {
        Stat s = client.setData().withVersion(stat.getVersion())
            .forPath(path, DirectoryRecords.node(new Hub.HomedNode(node, self, epoch)));
        writes.increment();
        written.put(id, new Written(s.getVersion(), epoch));
        return;
      } catch (KeeperException.BadVersionException | KeeperException.NoNodeException raced) {
        // another hub wrote it meanwhile: read it again
      }
    }
    owner.log("directory: node {}'s record changed {} times while this hub took its home; left to the others",
        id, HOME_ATTEMPTS);
  }

  private long epochOf(NodeId id, byte[] data) {
    try {
      return DirectoryRecords.node(id, data).epoch();
    } catch (IllegalArgumentException e) {
      mirror.badRecord();
      return 0; // a record nobody can read: this write replaces it
    }
  }

  /**
   * Deletes the records that name this hub home though it does not hold their nodes: those of the
   * sessions it had before it restarted. A node that registers meanwhile has its home written after.
   */
  private void sweepStale() {
    int swept = 0;
    for (Hub.HomedNode n : mirror.records()) {
      NodeId id = n.node().id();
      if (!n.home().equals(self) || owner.holds(id) || written.containsKey(id)) {
        continue;
      }
      String path = NODES + "/" + id;
      Optional<ChildData> data = cache.get(path);
      if (data.isEmpty()) {
        continue;
      }
      try {
        client.delete().withVersion(data.get().getStat().getVersion()).forPath(path);
        writes.increment();
        swept++;
      } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
        // written meanwhile: no longer stale
      } catch (Exception e) {
        owner.log("directory: node {}'s stale record stays: {}", id, e.toString());
      }
    }
    if (swept > 0) {
      owner.log("directory: {} record(s) of nodes this hub held before it restarted deleted", swept);
    }
  }

  /**
   * Deletes the records of nodes homed at a hub that has been gone for {@link Owner#orphansAfter}:
   * their nodes did not register anywhere since, or their new hub would have taken the record. One
   * hub does it, the live one whose id sorts first; each delete is a compare-and-set on the version
   * the mirror shows, so a node that re-homes meanwhile keeps its new record.
   */
  private void sweepOrphans() {
    if (!initialized) {
      return;
    }
    long now = System.nanoTime();
    java.util.Set<NodeId> absent = new java.util.HashSet<>();
    for (Hub.HomedNode n : mirror.records()) {
      if (!n.home().equals(self) && !mirror.lists(n.home())) {
        absent.add(n.home());
      }
    }
    goneSince.keySet().retainAll(absent);
    absent.forEach(h -> goneSince.putIfAbsent(h, now));
    if (!connected || !mirror.sortsFirst()) {
      return;
    }
    long after = owner.orphansAfter().toNanos();
    int swept = 0;
    for (Hub.HomedNode n : mirror.records()) {
      Long since = goneSince.get(n.home());
      if (since == null || now - since < after) {
        continue;
      }
      Optional<ChildData> data = cache.get(NODES + "/" + n.node().id());
      if (data.isEmpty()) {
        continue;
      }
      try {
        client.delete().withVersion(data.get().getStat().getVersion()).forPath(data.get().getPath());
        writes.increment();
        swept++;
      } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
        // re-homed or deleted meanwhile
      } catch (Exception e) {
        owner.log("directory: node {}'s orphaned record stays for now: {}", n.node().id(), e.toString());
        return;
      }
    }
    if (swept > 0) {
      owner.log("directory: {} record(s) of nodes homed at hubs gone for {} s or more deleted", swept,
          owner.orphansAfter().toSeconds());
    }
  }

  /**
   * A write of this hub's met another version: the record as the ensemble has it now says whose
   * the node is. Another hub's: this hub writes no more of it, and its session here is stale.
   */
  private void taken(NodeId id, String path, NodeDescriptor node) throws Exception {
    Stat stat = new Stat();
    Hub.HomedNode now;
    try {
      now = DirectoryRecords.node(id, client.getData().storingStatIn(stat).forPath(path));
    } catch (KeeperException.NoNodeException e) {
      written.remove(id); // gone (swept while this hub was cut off, or a leave raced it): written anew
      submit(new Op(Kind.RESTORE, node));
      return;
    } catch (IllegalArgumentException e) {
      mirror.badRecord();
      written.remove(id);
      return;
    }
    if (now.home().equals(self)) {
      written.put(id, new Written(stat.getVersion(), now.epoch())); // ours after all: a write that got through
      return;
    }
    written.remove(id);
    lost.add(id);
    owner.log("directory: node {} is homed at hub {} now; this hub no longer writes its record", id, now.home());
    boolean registersAgain;
    synchronized (pending) {
      Op next = pending.get(id);
      registersAgain = next != null && next.kind() == Kind.HOME;
    }
    if (!registersAgain) {
      owner.homeTaken(id, now.home());
    }
  }

  private void reportLoad() {
    int load = owner.nodeCount();
    if (load != lastLoad) {
      try {
        entry.setData(hubRecord(load));
        lastLoad = load;
      } catch (Exception e) {
        // not connected: said again at the next round
      }
    }
  }

  private byte[] hubRecord(int load) {
    return DirectoryRecords.hub(new DirectoryRecords.HubRecord(address, load, since));
  }

  @Override
  public void close() {
    writer.shutdownNow();
    writers.shutdownNow();
    freshReads.close();
    try {
      entry.close();
    } catch (Exception e) {
      // the session's end removes it anyway
    }
    cache.close();
    client.close();
  }
}
