package io.macula.nat.hub.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.hub.api.Hub;
import io.macula.nat.testing.Eventually;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two hubs on one real ZooKeeper server: homes, their compare-and-set, and the mirror each hub reads. */
class MeshDirectoryTest {
  @TempDir
  Path data;

  private EmbeddedZooKeeper server;
  private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

  /** One hub's side: its directory, and what the directory told it. */
  private record HubSide(NodeId id, DirectoryConnection connection, AtomicInteger load,
      List<String> taken, java.util.Map<NodeId, NodeDescriptor> held, List<NodeId> gone) {
    MeshDirectory directory() {
      return connection.directory();
    }

    /** A node registers with this hub: it holds it, and takes its home. */
    void registers(NodeDescriptor node) {
      held.put(node.id(), node);
      directory().registered(node);
    }
  }

  @BeforeEach
  void start() throws Exception {
    server = EmbeddedZooKeeper.start(data.resolve("zookeeper"));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    server.close();
  }

  @Test
  void aNodeHomedAtOneHubIsSeenAtTheOtherAndEachHubListsBoth() throws Exception {
    HubSide a = hub(1, "192.0.2.1:7400");
    HubSide b = hub(2, "192.0.2.2:7400");
    a.registers(node(10, NatBehavior.FULL_CONE));

    Eventually.until("b sees node 10 homed at a", () -> b.directory().node(node(10).id())
        .filter(n -> n.home().equals(a.id()) && n.epoch() == 1).isPresent());
    Hub.HomedNode seen = b.directory().node(node(10).id()).orElseThrow();
    assertEquals(node(10, NatBehavior.FULL_CONE), seen.node(), "every field as a wrote it");

    Eventually.until("both hubs listed at each", () -> a.directory().hubs().size() == 2
        && b.directory().hubs().size() == 2);
    Hub.MeshHub aAtB = b.directory().hubs().stream().filter(h -> h.id().equals(a.id())).findFirst().orElseThrow();
    assertEquals("192.0.2.1:7400", aAtB.address());
    assertTrue(!aAtB.self() && b.directory().hubs().stream().anyMatch(h -> h.self() && h.id().equals(b.id())));
  }

  @Test
  void aHubWhoseNodeMovedOnCannotOverwriteTheNewHomeNorDeleteIt() throws Exception {
    HubSide a = hub(1, "192.0.2.1:7400");
    HubSide b = hub(2, "192.0.2.2:7400");
    a.registers(node(10, NatBehavior.FULL_CONE));
    Eventually.until("homed at a", () -> b.directory().node(node(10).id()).isPresent());

    // The node re-homes to b, while a still holds its old session (a pause, a partition).
    b.registers(node(10, NatBehavior.SYMMETRIC));
    Eventually.until("a sees the new home", () -> a.directory().node(node(10).id())
        .filter(n -> n.home().equals(b.id()) && n.epoch() == 2).isPresent());

    a.directory().changed(node(10, NatBehavior.NONE)); // a's stale session reports a change
    Eventually.until("a is told its session is stale", () -> a.taken().equals(List.of(node(10).id() + "@" + b.id())));
    a.directory().changed(node(10, NatBehavior.FULL_CONE)); // and again: it must not take the home back
    a.directory().left(node(10).id()); // and then ends
    // b's next write is its own record's: it must still be b's, as b wrote it.
    b.directory().changed(node(10, NatBehavior.PORT_RESTRICTED_CONE));
    Eventually.until("b's change is mirrored at a", () -> a.directory().node(node(10).id())
        .filter(n -> n.node().nat() == NatBehavior.PORT_RESTRICTED_CONE).isPresent());
    Hub.HomedNode now = a.directory().node(node(10).id()).orElseThrow();
    assertEquals(b.id(), now.home());
    assertEquals(2, now.epoch());
    assertEquals(List.of(), b.taken());
  }

  @Test
  void aNodeThatLeavesIsDeletedAndAHubThatStopsLeavesTheList() throws Exception {
    HubSide a = hub(1, "192.0.2.1:7400");
    HubSide b = hub(2, "192.0.2.2:7400");
    a.registers(node(10, NatBehavior.FULL_CONE));
    Eventually.until("homed at a", () -> b.directory().node(node(10).id()).isPresent());
    a.directory().left(node(10).id());
    Eventually.until("gone at b", () -> b.directory().node(node(10).id()).isEmpty());

    Eventually.until("b listed at a", () -> a.directory().hubs().size() == 2);
    b.connection().close();
    open.remove(b.connection());
    Eventually.until("b's entry went with its session", () -> a.directory().hubs().size() == 1);
    Eventually.until("a is told b left", () -> !a.gone().isEmpty());
    assertEquals(List.of(b.id()), a.gone(), "b, once");
  }

  @Test
  void aRecordNoHubCanReadIsIgnoredAndCountedAndARegisterReplacesIt() throws Exception {
    HubSide a = hub(1, "192.0.2.1:7400");
    NodeId id = node(10).id();
    try (CuratorFramework raw = client()) {
      raw.create().creatingParentsIfNeeded().forPath(MeshDirectory.NODES + "/" + id,
          "home=nonsense\n".getBytes(StandardCharsets.UTF_8));
    }
    Eventually.until("the bad record counted", () -> a.directory().badRecords() >= 1);
    assertEquals(Optional.empty(), a.directory().node(id));

    a.registers(node(10, NatBehavior.NONE));
    Eventually.until("a's record replaces it", () -> a.directory().node(id)
        .filter(n -> n.home().equals(a.id()) && n.epoch() == 1).isPresent());
  }

  @Test
  void aNodeAllowedAtOneHubIsAllowedAtEveryHubUntilItIsDisallowed() throws Exception {
    HubSide a = hub(1, "192.0.2.1:7400");
    HubSide b = hub(2, "192.0.2.2:7400");
    Eventually.until("both connected", () -> a.directory().connected() && b.directory().connected());
    NodeId n = node(10).id();
    assertTrue(a.directory().allow(n));
    assertTrue(a.directory().allows(n), "the hub that was asked knows at once");
    assertTrue(!a.directory().allow(n), "listed already");
    Eventually.until("b admits it too", () -> b.directory().allows(n));
    assertEquals(java.util.List.of(n), List.copyOf(b.directory().allowed()));

    assertTrue(b.directory().disallow(n));
    assertTrue(!b.directory().disallow(n), "not listed any more");
    Eventually.until("a admits it no more", () -> !a.directory().allows(n));
  }

  @Test
  void theHubsLoadIsPublishedWhenItChanges() throws Exception {
    HubSide a = hub(1, "192.0.2.1:7400");
    HubSide b = hub(2, "192.0.2.2:7400");
    a.load().set(42);
    Eventually.until("b sees a's 42 nodes", () -> b.directory().hubs().stream()
        .anyMatch(h -> h.id().equals(a.id()) && h.nodes() == 42), java.time.Duration.ofMillis(3 * MeshDirectory.LOAD_EVERY_MS));
  }

  @Test
  void aHubThatRestartsDeletesTheRecordsOfTheNodesItNoLongerHolds() throws Exception {
    HubSide a = hub(1, "192.0.2.1:7400");
    a.registers(node(10, NatBehavior.FULL_CONE));
    a.registers(node(12, NatBehavior.FULL_CONE));
    a.registers(node(14, NatBehavior.FULL_CONE));
    Eventually.until("three homed at a", () -> a.directory().nodes().size() == 3);
    a.connection().close(); // killed: its nodes' records stay
    open.remove(a.connection());

    HubSide again = hub(1, "192.0.2.1:7400", node(12).id()); // node 12 registered again as soon as a came back
    Eventually.until("only node 12 left", () -> again.directory().nodes().stream().map(n -> n.node().id()).toList()
        .equals(List.of(node(12).id())));
  }

  @Test
  void theRecordsOfAHubGoneLongerThanTheGraceAreDeletedByTheHubThatSortsFirstAndOnlyThose() throws Exception {
    HubSide a = hub(1, "192.0.2.1:7400");
    HubSide b = hub(2, "192.0.2.2:7400");
    HubSide c = hub(3, "192.0.2.3:7400");
    c.registers(node(10, NatBehavior.FULL_CONE));
    c.registers(node(12, NatBehavior.FULL_CONE));
    b.registers(node(14, NatBehavior.FULL_CONE));
    Eventually.until("three homed", () -> a.directory().nodes().size() == 3);
    long writtenByB = b.directory().writes();
    c.connection().close(); // gone, its nodes not registered anywhere since
    open.remove(c.connection());
    Eventually.until("c left the list", () -> a.directory().hubs().size() == 2);
    a.registers(node(12, NatBehavior.FULL_CONE)); // one of them came back, at a

    Eventually.until("only node 10's record deleted", () -> b.directory().nodes().stream()
        .map(n -> n.node().id()).toList().equals(List.of(node(12).id(), node(14).id())),
        java.time.Duration.ofMillis(4 * MeshDirectory.LOAD_EVERY_MS));
    assertEquals(a.id(), b.directory().node(node(12).id()).orElseThrow().home());
    assertEquals(writtenByB, b.directory().writes(), "a sorts first: b deletes nothing");
  }

  @Test
  void aHubWhoseSessionWasLostWritesAgainTheRecordsOfItsNodesDeletedMeanwhile() throws Exception {
    HubSide a = hub(1, "192.0.2.1:7400");
    HubSide b = hub(2, "192.0.2.2:7400");
    a.registers(node(10, NatBehavior.FULL_CONE));
    a.registers(node(12, NatBehavior.SYMMETRIC));
    Eventually.until("both homed at a, seen at b", () -> b.directory().nodes().size() == 2);

    // The hub sweeping orphans deletes node 10's record, as it does for the nodes of a hub gone
    // from the directory; then a learns its session ended (a pause longer than its timeout). A
    // record deleted while a is connected is not written again: only a lost session makes a look.
    try (CuratorFramework sweeper = client()) {
      sweeper.delete().forPath(MeshDirectory.NODES + "/" + node(10).id());
    }
    Eventually.until("the delete mirrored at a", () -> a.directory().node(node(10).id()).isEmpty());
    a.directory().client().getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();

    Eventually.until("a wrote node 10's record again, as it was", () -> b.directory().node(node(10).id())
        .filter(n -> n.home().equals(a.id()) && n.node().equals(node(10, NatBehavior.FULL_CONE))).isPresent());
    assertEquals(a.id(), b.directory().node(node(12).id()).orElseThrow().home(), "node 12's record, still there, stays");
    a.directory().changed(node(10, NatBehavior.NONE)); // and a goes on writing it
    Eventually.until("a's next change is mirrored at b", () -> b.directory().node(node(10).id())
        .filter(n -> n.node().nat() == NatBehavior.NONE).isPresent());
    assertEquals(List.of(), a.taken(), "a restored the record: nobody else took the node");
  }

  @Test
  void awaitingTheConnectionEndsOnceTheServerIsBackAndIsFalseWhileItIsNot() throws Exception {
    HubSide a = hub(1, "192.0.2.1:7400");
    Eventually.until("a connected", () -> a.directory().connected());
    int port = server.port();
    server.close();
    Eventually.until("a saw the server go", () -> !a.directory().connected());
    assertFalse(a.directory().awaitConnected(Duration.ofMillis(300)), "no server: not connected, after the wait");

    // Back where a looks for it (as another member is, when one dies): a waits for its client to find it.
    server = EmbeddedZooKeeper.start(data.resolve("zookeeper"), port);
    assertTrue(a.directory().awaitConnected(Duration.ofSeconds(10)), "connected again within the wait");
    assertTrue(a.directory().allow(node(30).id()), "and the change is taken");
  }

  /** A client of the test's server of its own: another hub's writes, made by hand. */
  private CuratorFramework client() throws InterruptedException {
    CuratorFramework c = CuratorFrameworkFactory.newClient(server.connectString(), new RetryOneTime(100));
    c.start();
    c.blockUntilConnected();
    return c;
  }

  private HubSide hub(int n, String address, NodeId... holding) throws Exception {
    NodeId id = node(n).id();
    AtomicInteger load = new AtomicInteger();
    List<String> taken = new CopyOnWriteArrayList<>();
    java.util.Map<NodeId, NodeDescriptor> held = new java.util.concurrent.ConcurrentHashMap<>();
    for (NodeId h : holding) {
      held.put(h, NodeDescriptor.unknown(h));
    }
    List<NodeId> gone = new CopyOnWriteArrayList<>();
    DirectoryConnection c = DirectoryConnection.open(server.connectString(), data.resolve("unused"), id, address,
        new MeshDirectory.Owner() {
          @Override
          public int nodeCount() {
            return load.get();
          }

          @Override
          public void log(String message, Object... args) {}

          @Override
          public void homeTaken(NodeId node, NodeId home) {
            taken.add(node + "@" + home);
          }

          @Override
          public boolean holds(NodeId node) {
            return held.containsKey(node);
          }

          @Override
          public java.util.Collection<NodeDescriptor> held() {
            return held.values();
          }

          @Override
          public void hubsChanged() {}

          @Override
          public void hubGone(NodeId hub) {
            gone.add(hub);
          }

          @Override
          public java.time.Duration orphansAfter() {
            return java.time.Duration.ZERO;
          }
        });
    open.add(c);
    return new HubSide(id, c, load, taken, held, gone);
  }

  private static NodeDescriptor node(int n) {
    return node(n, NatBehavior.UNKNOWN);
  }

  private static NodeDescriptor node(int n, NatBehavior nat) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return new NodeDescriptor(NodeId.of(id), List.of(new InetSocketAddress("10.0.0." + n, 7400),
        new InetSocketAddress("fd00::" + n, 7400)), Optional.of(new InetSocketAddress("203.0.113." + n, 40000 + n)),
        nat, n % 2 == 0);
  }
}
