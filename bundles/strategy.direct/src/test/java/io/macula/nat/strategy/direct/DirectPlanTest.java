package io.macula.nat.strategy.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.NodePair;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DirectPlanTest {
  private static final InetSocketAddress PUBLIC_A = new InetSocketAddress("198.51.100.1", 4000);
  private static final InetSocketAddress PUBLIC_B = new InetSocketAddress("198.51.100.2", 4000);
  private static final InetSocketAddress NAT_B = new InetSocketAddress("203.0.113.7", 61000);
  private static final InetSocketAddress NAT_B2 = new InetSocketAddress("203.0.113.7", 62000);
  private static final InetSocketAddress LAN_A = new InetSocketAddress("10.0.0.2", 4000);
  private static final InetSocketAddress LAN_B = new InetSocketAddress("10.0.0.3", 4000);

  private static NodeDescriptor node(int id, InetSocketAddress reported, InetSocketAddress observed, NatBehavior nat) {
    byte[] key = new byte[32];
    key[0] = (byte) id;
    return new NodeDescriptor(NodeId.of(key), List.of(reported), Optional.of(observed), nat, false);
  }

  private static DirectPlan plan(NodeDescriptor local, NodeDescriptor remote, boolean canSignal) {
    return DirectPlan.of(new NodePair(local, remote), canSignal);
  }

  @Test
  void aReachablePeerIsDialledWhereTheHubSeesIt() {
    DirectPlan p = plan(node(1, LAN_A, NAT_B2, NatBehavior.SYMMETRIC), node(2, PUBLIC_B, PUBLIC_B, NatBehavior.NONE), false);
    assertEquals(List.of(PUBLIC_B), assertInstanceOf(DirectPlan.Dial.class, p).addresses());
  }

  @Test
  void aFullConePeerIsDialledAtItsMappedAddress() {
    DirectPlan p = plan(node(1, LAN_A, new InetSocketAddress("192.0.2.9", 5000), NatBehavior.SYMMETRIC),
        node(2, LAN_B, NAT_B, NatBehavior.FULL_CONE), false);
    assertEquals(List.of(NAT_B), assertInstanceOf(DirectPlan.Dial.class, p).addresses());
  }

  @Test
  void aPeerBehindTheSameNatIsDialledAtItsLanAddressWhateverTheNat() {
    DirectPlan p = plan(node(1, LAN_A, NAT_B2, NatBehavior.SYMMETRIC), node(2, LAN_B, NAT_B, NatBehavior.SYMMETRIC), false);
    assertEquals(List.of(LAN_B), assertInstanceOf(DirectPlan.Dial.class, p).addresses());
  }

  @Test
  void aReachableNodeAsksAPeerBehindAnyNatToDialBackThroughTheHub() {
    NodeDescriptor local = node(1, PUBLIC_A, PUBLIC_A, NatBehavior.NONE);
    NodeDescriptor remote = node(2, LAN_B, NAT_B, NatBehavior.SYMMETRIC);
    assertInstanceOf(DirectPlan.DialBack.class, plan(local, remote, true));
    DirectPlan without = plan(local, remote, false);
    assertTrue(assertInstanceOf(DirectPlan.None.class, without).why().contains("no hub session"), without.toString());
  }

  @Test
  void twoNodesBehindDifferentRestrictingNatsHaveNoDirectPath() {
    DirectPlan p = plan(node(1, LAN_A, new InetSocketAddress("192.0.2.9", 5000), NatBehavior.PORT_RESTRICTED_CONE),
        node(2, LAN_B, NAT_B, NatBehavior.RESTRICTED_CONE), true);
    assertTrue(assertInstanceOf(DirectPlan.None.class, p).why().contains("neither side is reachable"), p.toString());
  }

  @Test
  void udpBlockedOnEitherSideRulesItOut() {
    NodeDescriptor open = node(1, PUBLIC_A, PUBLIC_A, NatBehavior.NONE);
    NodeDescriptor blocked = node(2, LAN_B, NAT_B, NatBehavior.UDP_BLOCKED);
    assertInstanceOf(DirectPlan.None.class, plan(open, blocked, true));
    assertInstanceOf(DirectPlan.None.class, plan(blocked, node(3, PUBLIC_B, PUBLIC_B, NatBehavior.NONE), true));
  }
}
