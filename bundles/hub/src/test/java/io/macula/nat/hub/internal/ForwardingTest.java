package io.macula.nat.hub.internal;

import static io.macula.nat.hub.internal.TestIds.id;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.hub.api.Hub;
import io.macula.nat.hub.protocol.HubMessage;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** Signals across hubs: where they go, what is delivered, what is refused and what is tried again. */
class ForwardingTest {
  private static final NodeId SELF = id(1);
  private static final NodeId OTHER = id(2);
  private static final NodeId THIRD = id(3);
  private static final NodeId HERE = id(10);
  private static final NodeId THERE = id(20);
  private static final byte[] PAYLOAD = {7, 8, 9};

  /** The mirror, and the ensemble as it is now (which the mirror may lag). */
  private final Map<NodeId, Hub.HomedNode> mirror = new HashMap<>();
  private final Map<NodeId, Hub.HomedNode> ensemble = new HashMap<>();
  private final Map<NodeId, Hub.MeshHub> hubs = new HashMap<>();
  private final List<String> linkSends = new ArrayList<>();
  private final List<HubMessage> linkMessages = new ArrayList<>();
  private final Map<NodeId, List<HubMessage>> toNodes = new HashMap<>();
  private final List<NodeId> registered = new ArrayList<>(List.of(HERE));
  private boolean directoryOpen = true;

  private final Forwarding.Directory directory = new Forwarding.Directory() {
    @Override
    public Optional<Hub.HomedNode> node(NodeId id) {
      return Optional.ofNullable(mirror.get(id));
    }

    @Override
    public Optional<Hub.MeshHub> hub(NodeId id) {
      return Optional.ofNullable(hubs.get(id));
    }

    @Override
    public Optional<InetSocketAddress> hubAddress(NodeId id) {
      return hub(id).map(h -> new InetSocketAddress("127.0.0.1", Integer.parseInt(h.address().split(":")[1])));
    }

    @Override
    public CompletionStage<Optional<Hub.HomedNode>> fresh(NodeId id) {
      return CompletableFuture.completedFuture(Optional.ofNullable(ensemble.get(id)));
    }
  };

  private final Forwarding forwarding = new Forwarding(SELF, () -> directoryOpen ? directory : null,
      (hub, address, m) -> {
        linkSends.add(hub.shortForm() + "@" + address);
        linkMessages.add(m);
      },
      (node, m) -> {
        if (!registered.contains(node)) {
          return Forwarding.Delivery.NOT_REGISTERED;
        }
        toNodes.computeIfAbsent(node, k -> new ArrayList<>()).add(m);
        return Forwarding.Delivery.SENT;
      });

  ForwardingTest() {
    hub(SELF, 7400);
    hub(OTHER, 7402);
    hub(THIRD, 7403);
  }

  @Test
  void aSignalToANodeOfAnotherHubGoesToThatHubOnly() {
    homed(THERE, OTHER, true);
    assertEquals(Optional.empty(), forwarding.forward(HERE, THERE, PAYLOAD));
    assertEquals(List.of(OTHER.shortForm() + "@/127.0.0.1:7402"), linkSends);
    HubMessage.Forward f = assertInstanceOf(HubMessage.Forward.class, linkMessages.get(0));
    assertEquals(List.of(HERE, THERE), List.of(f.from(), f.to()));
    assertArrayEquals(PAYLOAD, f.payload());
    assertEquals(1, forwarding.forwarded());
  }

  @Test
  void aSignalToANodeNoHubHoldsOrWhoseHubIsDownIsRefusedAndNothingIsSent() {
    assertEquals(Optional.of("node " + THERE + " is not registered"), forwarding.forward(HERE, THERE, PAYLOAD));
    homed(THERE, id(9), true); // a hub with no entry: gone
    assertEquals(Optional.of("node " + THERE + "'s hub " + id(9) + " is down"), forwarding.forward(HERE, THERE, PAYLOAD));
    directoryOpen = false;
    assertEquals(Optional.of("node " + THERE + " is not registered"), forwarding.forward(HERE, THERE, PAYLOAD));
    assertEquals(List.of(), linkSends);
  }

  @Test
  void aForwardFromTheSendersHomeIsDeliveredAsASignalFromTheSender() {
    homed(THERE, OTHER, true);
    forwarding.received(OTHER, new HubMessage.Forward(THERE, HERE, PAYLOAD));
    HubMessage.Signal s = assertInstanceOf(HubMessage.Signal.class, toNodes.get(HERE).get(0));
    assertEquals(THERE, s.peer());
    assertArrayEquals(PAYLOAD, s.payload());
    assertEquals(1, forwarding.delivered());
  }

  @Test
  void aSenderTheMirrorDoesNotShowYetIsLookedUpAfresh() {
    homed(THERE, OTHER, false); // registered at OTHER a moment ago: only the ensemble knows
    forwarding.received(OTHER, new HubMessage.Forward(THERE, HERE, PAYLOAD));
    assertEquals(1, toNodes.get(HERE).size());
  }

  @Test
  void aHubThatForwardsForANodeNotItsOwnIsRefusedAndCounted() {
    homed(THERE, THIRD, true); // THERE is homed at THIRD: OTHER cannot speak for it
    forwarding.received(OTHER, new HubMessage.Forward(THERE, HERE, PAYLOAD));
    assertEquals(null, toNodes.get(HERE));
    assertEquals(List.of(), linkSends, "nothing is sent back to a hub that lied");
    assertEquals(1, forwarding.refusedSenders());
  }

  @Test
  void aForwardToANodeNotHereGoesBackWhole() {
    homed(THERE, OTHER, true);
    forwarding.received(OTHER, new HubMessage.Forward(THERE, id(11), PAYLOAD));
    assertEquals(List.of(OTHER.shortForm() + "@/127.0.0.1:7402"), linkSends);
    HubMessage.Unforwarded u = assertInstanceOf(HubMessage.Unforwarded.class, linkMessages.get(0));
    assertEquals("node " + id(11) + " is not registered at hub " + SELF, u.reason());
    assertEquals(List.of(THERE, id(11)), List.of(u.from(), u.to()));
    assertArrayEquals(PAYLOAD, u.payload());
  }

  @Test
  void aForwardSentBackIsTriedOnceAtTheRecipientsNewerHomeElseItsSenderIsTold() {
    homed(THERE, THIRD, false); // it moved from OTHER to THIRD; the mirror still says OTHER
    mirror.put(THERE, new Hub.HomedNode(NodeDescriptor.unknown(THERE), OTHER, 1));
    assertEquals(Optional.empty(), forwarding.forward(HERE, THERE, PAYLOAD));
    forwarding.received(OTHER, new HubMessage.Unforwarded(HERE, THERE, "not here", PAYLOAD));
    assertEquals(List.of(OTHER.shortForm() + "@/127.0.0.1:7402", THIRD.shortForm() + "@/127.0.0.1:7403"), linkSends);
    assertInstanceOf(HubMessage.Forward.class, linkMessages.get(1));

    // THIRD sends it back too, and the ensemble still names THIRD: the sender is told.
    forwarding.received(THIRD, new HubMessage.Unforwarded(HERE, THERE, "node gone", PAYLOAD));
    assertEquals(2, linkSends.size());
    assertEquals(new HubMessage.Refused("node gone"), toNodes.get(HERE).get(0));
  }

  @Test
  void aForwardSentBackThatAnswersNoneOfOursIsDroppedAndCounted() {
    homed(THERE, THIRD, true);
    // OTHER never got a forward from HERE: it cannot make this hub signal in HERE's name.
    forwarding.received(OTHER, new HubMessage.Unforwarded(HERE, THERE, "forged", PAYLOAD));
    assertEquals(List.of(), linkSends);
    assertEquals(null, toNodes.get(HERE));
    assertEquals(1, forwarding.refusedReturns());
  }

  @Test
  void aForwardThatNeverLeftIsRefusedToItsSender() {
    forwarding.undelivered(new HubMessage.Forward(HERE, THERE, PAYLOAD), "the link did not open");
    assertEquals(new HubMessage.Refused("node " + THERE + " is unreachable: the link did not open"),
        toNodes.get(HERE).get(0));
  }

  private void hub(NodeId id, int port) {
    hubs.put(id, new Hub.MeshHub(id, "127.0.0.1:" + port, 0, Instant.EPOCH, id.equals(SELF)));
  }

  private void homed(NodeId node, NodeId home, boolean mirrored) {
    Hub.HomedNode r = record(node, home);
    ensemble.put(node, r);
    if (mirrored) {
      mirror.put(node, r);
    }
  }

  private static Hub.HomedNode record(NodeId node, NodeId home) {
    return new Hub.HomedNode(new NodeDescriptor(node, List.of(), Optional.of(
        new InetSocketAddress("203.0.113.5", 4000)), io.macula.nat.api.NatBehavior.NONE, false), home, 2);
  }

  @Test
  void aLookupTakesTheMirrorsLiveHomeAndReadsAfreshAHomeGoneOrMissing() {
    Hub.HomedNode atOther = record(THERE, OTHER);
    mirror.put(THERE, atOther);
    ensemble.put(THERE, record(THERE, THIRD));
    assertEquals(Optional.of(atOther), forwarding.lookup(THERE).toCompletableFuture().join(), "the mirror's, unread");

    NodeId gone = id(9); // a hub the directory no longer lists
    mirror.put(THERE, record(THERE, gone));
    assertEquals(Optional.of(THIRD), forwarding.lookup(THERE).toCompletableFuture().join().map(Hub.HomedNode::home),
        "its newer home, read afresh");

    mirror.remove(THERE);
    assertEquals(Optional.of(THIRD), forwarding.lookup(THERE).toCompletableFuture().join().map(Hub.HomedNode::home),
        "registered a moment ago: not mirrored yet");

    ensemble.put(THERE, record(THERE, gone));
    assertEquals(Optional.empty(), forwarding.lookup(THERE).toCompletableFuture().join(), "homed at no live hub");
    ensemble.put(THERE, record(THERE, SELF));
    assertEquals(Optional.empty(), forwarding.lookup(THERE).toCompletableFuture().join(), "a record of this hub's past");
  }
}
