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

  private static NodeDescriptor descriptor(NodeId id) {
    return new NodeDescriptor(id, List.of(AT), Optional.of(AT), NatBehavior.UNKNOWN, false);
  }

  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return NodeId.of(id);
  }
}
