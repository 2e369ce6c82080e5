package io.macula.nat.peer.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.macula.nat.api.NodeId;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order in which a node tries its hubs, and that it stays with the one it moved to. */
class HubCandidatesTest {
  private static final HubAddress A = hub(1);
  private static final HubAddress B = hub(2);
  private static final HubAddress C = hub(3);

  @Test
  void theConfiguredHubsComeFirstThenTheLearnedOnesEachOnce() {
    HubCandidates h = new HubCandidates(List.of(A, B));
    h.learned(List.of(C, B, A));
    assertEquals(List.of(A, B, C), h.all());
    assertEquals(List.of(B, C), h.fallbacks());
  }

  @Test
  void aFailedHubGivesWayToTheNextRoundTheListAndAHubThatComesBackIsNotTakenBack() {
    HubCandidates h = new HubCandidates(List.of(A));
    h.learned(List.of(A, B, C));
    assertEquals(B, h.next());
    // A is back: nothing moves until B fails.
    assertEquals(B, h.current());
    assertEquals(C, h.next());
    assertEquals(A, h.next());
  }

  @Test
  void withOneHubTheNextIsTheSameAndAListWithoutTheCurrentStartsAgain() {
    HubCandidates h = new HubCandidates(List.of(A));
    assertEquals(A, h.next());
    h.learned(List.of(B, C));
    assertEquals(B, h.next());
    h.learned(List.of(C)); // B left the mesh: the next after it is the first
    assertEquals(A, h.next());
  }

  @Test
  void aConfiguredListNamesEachHubOnceAndSaysWhatIsWrong() {
    String a = A.id() + "@127.0.0.1:7400";
    String b = B.id() + "@127.0.0.1:7401";
    assertEquals(List.of(A.id(), B.id()),
        HubAddress.parseList("hub", a + ", " + b).stream().map(HubAddress::id).toList());
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
        () -> HubAddress.parseList("hub", a + "," + a));
    assertEquals("hub names hub " + A.id() + " twice", twice.getMessage());
    assertThrows(IllegalArgumentException.class, () -> HubAddress.parseList("hub", a + ", nonsense"));
    assertThrows(IllegalArgumentException.class, () -> new HubCandidates(List.of()));
  }

  private static HubAddress hub(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return new HubAddress(NodeId.of(id), new InetSocketAddress("127.0.0.1", 7400 + n));
  }
}
