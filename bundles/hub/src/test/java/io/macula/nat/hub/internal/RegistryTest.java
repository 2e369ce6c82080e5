package io.macula.nat.hub.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The address map follows registrations: one node leaving never erases another's address. */
class RegistryTest {
  private static final InetSocketAddress AT = new InetSocketAddress("198.51.100.7", 40000);

  @Test
  void aNodeThatLeavesAfterAnotherTookItsAddressLeavesThatOneRegistered() {
    Registry registry = new Registry();
    NodeId a = node(1);
    NodeId b = node(2);
    registry.register(descriptor(a), null, new byte[32], Instant.EPOCH);
    // The host got a new identity and registered again from the same address.
    registry.register(descriptor(b), null, new byte[32], Instant.EPOCH);
    registry.unregister(a, null);
    assertEquals(Optional.of(b), registry.byObserved(AT).map(r -> r.node().id()));
  }

  @Test
  void theNatCountsAreOfTheNodesRegisteredNow() {
    Registry registry = new Registry();
    registry.register(descriptor(node(1)), null, new byte[32], Instant.EPOCH);
    registry.natDiscovered(node(1), NatBehavior.SYMMETRIC);
    registry.natDiscovered(node(1), NatBehavior.FULL_CONE); // rediscovered: counted once, as it is now
    assertEquals(java.util.Map.of(NatBehavior.FULL_CONE, 1L), registry.natTypesSeen());
    registry.unregister(node(1), null);
    assertEquals(java.util.Map.of(), registry.natTypesSeen());
  }

  @Test
  void aNodeThatLeavesTakesItsRelayFlowsAndBucketWithIt() {
    RelayAccounting relay = new RelayAccounting(100, 100_000);
    relay.admit(node(1), node(2), 1000, 0);
    relay.admit(node(3), node(1), 1000, 0);
    relay.admit(node(2), node(3), 1000, 0);
    relay.forget(node(1));
    assertEquals(List.of(node(2)), relay.flows().stream().map(io.macula.nat.hub.api.Hub.RelayFlow::from).toList());
  }

  private static NodeDescriptor descriptor(NodeId id) {
    return new NodeDescriptor(id, List.of(AT), Optional.of(AT), NatBehavior.UNKNOWN, false);
  }

  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return NodeId.of(id);
  }
}
