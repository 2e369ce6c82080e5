package io.macula.nat.strategy.holepunch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PathKind;
import io.macula.nat.ice.api.Candidate;
import io.macula.nat.ice.api.CandidateType;
import io.macula.nat.ice.api.IceResult;
import io.macula.nat.transport.api.PacketCarrier;
import io.macula.nat.transport.api.TransportPath;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The path QUIC takes on the pair ICE selected: two nodes behind one NAT on their LAN, whatever
 * type ICE gave the peer's address; a pair with a relayed candidate through the TURN server.
 */
class LanPathTest {
  private static final InetSocketAddress PEER_HOST = new InetSocketAddress("10.11.0.3", 45084);
  private static final InetSocketAddress PEER_MAPPED = new InetSocketAddress("198.51.100.11", 45084);

  @Test
  void thePeersHostAddressIsALanPathEvenWhenLearntFromItsCheck() {
    assertTrue(HolePunchStrategy.lanPath(result(PEER_HOST, CandidateType.HOST), pair()));
    // Its check came before its host candidate did: ICE knows the address as peer-reflexive.
    assertTrue(HolePunchStrategy.lanPath(result(PEER_HOST, CandidateType.PEER_REFLEXIVE), pair()));
  }

  @Test
  void thePeersMappedAddressIsAPunchedPath() {
    assertFalse(HolePunchStrategy.lanPath(result(PEER_MAPPED, CandidateType.SERVER_REFLEXIVE), pair()));
    assertFalse(HolePunchStrategy.lanPath(result(PEER_MAPPED, CandidateType.PEER_REFLEXIVE), pair()));
  }

  @Test
  void aPairToThePeersRelayedAddressIsATurnPathFromTheSocket() {
    InetSocketAddress relayed = new InetSocketAddress("203.0.113.5", 50000);
    assertEquals(new TransportPath.Direct(relayed, PathKind.TURN),
        HolePunchStrategy.path(result(relayed, CandidateType.RELAYED), pair()));
    assertEquals(new TransportPath.Direct(PEER_MAPPED, PathKind.HOLE_PUNCHED),
        HolePunchStrategy.path(result(PEER_MAPPED, CandidateType.SERVER_REFLEXIVE), pair()));
  }

  @Test
  void aPairFromThisNodesRelayedAddressGoesThroughItsCarrier() {
    PacketCarrier relay = new PacketCarrier() {
      @Override
      public void send(InetSocketAddress peer, java.nio.ByteBuffer packet) {}

      @Override
      public String describe() {
        return "turn 203.0.113.5:3478/udp relayed 203.0.113.5:50000";
      }

      @Override
      public PathKind kind() {
        return PathKind.TURN;
      }
    };
    IceResult direct = result(PEER_MAPPED, CandidateType.SERVER_REFLEXIVE);
    Candidate local = new Candidate("r", Candidate.COMPONENT, 1, new InetSocketAddress("203.0.113.5", 50000),
        CandidateType.RELAYED, Optional.empty());
    IceResult r = new IceResult(direct.peer(), local, direct.remote(), true, 1, 1, Duration.ofMillis(100),
        Optional.of(relay));
    assertEquals(new TransportPath.Carried(relay, PEER_MAPPED, PathKind.TURN), HolePunchStrategy.path(r, pair()));
  }

  private static IceResult result(InetSocketAddress remote, CandidateType type) {
    Candidate local = new Candidate("l", Candidate.COMPONENT, 1, new InetSocketAddress("10.11.0.2", 55415),
        CandidateType.HOST, Optional.empty());
    Candidate peer = new Candidate("r", Candidate.COMPONENT, 1, remote, type, Optional.empty());
    return new IceResult(node(2), local, peer, true, 1, 1, Duration.ofMillis(100));
  }

  private static NodePair pair() {
    NodeDescriptor self = new NodeDescriptor(node(1), List.of(new InetSocketAddress("10.11.0.2", 55415)),
        Optional.empty(), NatBehavior.PORT_RESTRICTED_CONE, false);
    NodeDescriptor peer = new NodeDescriptor(node(2), List.of(PEER_HOST), Optional.of(PEER_MAPPED),
        NatBehavior.PORT_RESTRICTED_CONE, false);
    return new NodePair(self, peer);
  }

  private static NodeId node(int n) {
    byte[] id = new byte[NodeId.LENGTH];
    id[0] = (byte) n;
    return NodeId.of(id);
  }
}
