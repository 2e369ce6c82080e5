package io.macula.nat.hub.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.RelayTraffic;
import io.macula.nat.api.RelayTraffic.Carried;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RelayAccountingTest {
  private static final NodeId A = NodeId.of(new byte[NodeId.LENGTH]);
  private static final NodeId B = node(1);
  private static final NodeId C = node(2);

  @Test
  void aSendersTotalStaysWhenAPeerLeavesAndJoinsTheDepartedWhenItLeaves() {
    RelayAccounting r = new RelayAccounting(1_000_000, 1_000_000_000);
    r.admit(A, B, 100, 0);
    r.admit(A, C, 50, 0);
    r.admit(B, A, 10, 0);
    r.forget(B);
    assertEquals(Set.of(new Carried(A.toString(), 2, 150), new Carried(RelayTraffic.DEPARTED, 1, 10)),
        Set.copyOf(r.carried()));
    r.forget(A);
    assertEquals(List.of(new Carried(RelayTraffic.DEPARTED, 3, 160)), r.carried());
  }

  @Test
  void aRefusedPacketIsNotCarried() {
    RelayAccounting r = new RelayAccounting(1, 1_000_000_000);
    r.admit(A, B, 100, 0);
    r.admit(A, B, 100, 0); // over the packet limit
    assertEquals(Set.of(new Carried(A.toString(), 1, 100), new Carried(RelayTraffic.DEPARTED, 0, 0)),
        Set.copyOf(r.carried()));
  }

  private static NodeId node(int last) {
    byte[] b = new byte[NodeId.LENGTH];
    b[NodeId.LENGTH - 1] = (byte) last;
    return NodeId.of(b);
  }
}
