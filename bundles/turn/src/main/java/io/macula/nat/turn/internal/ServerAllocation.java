package io.macula.nat.turn.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * One allocation on the server: the client's 5-tuple, its relayed socket, its permissions and
 * channels with their expiries, and what it relayed. The server's one thread owns it.
 */
final class ServerAllocation {
  final InetSocketAddress client;
  /** Whether the client came over TCP: its ChannelData is padded, and its messages framed. */
  final boolean overTcp;
  final String username;
  final DatagramChannel relay;
  final InetSocketAddress relayed;
  Instant expires;
  /** Each permitted peer address, and when its permission ends (epoch ms). */
  final Map<InetAddress, Long> permissions = new HashMap<>();
  final Map<Integer, InetSocketAddress> peerOfChannel = new HashMap<>();
  final Map<InetSocketAddress, Integer> channelOfPeer = new HashMap<>();
  final Map<Integer, Instant> channelExpires = new HashMap<>();
  /** Its user's relayed total, which outlives the allocation (set when the allocation is made). */
  TurnServer.RelayedTotal relayedTotal;
  long packetsToPeers;
  long bytesToPeers;
  long packetsFromPeers;
  long bytesFromPeers;

  ServerAllocation(InetSocketAddress client, boolean overTcp, String username, DatagramChannel relay, InetSocketAddress relayed,
      Instant expires) {
    this.client = client;
    this.overTcp = overTcp;
    this.username = username;
    this.relay = relay;
    this.relayed = relayed;
    this.expires = expires;
  }

  /** Whether a peer may send and be sent to at {@code nowMillis}: a lookup on every relayed packet. */
  boolean permits(InetAddress peer, long nowMillis) {
    Long until = permissions.get(peer);
    return until != null && until > nowMillis;
  }

  /** Drops the permissions and channels whose time ran out. */
  void expire(Instant now) {
    permissions.values().removeIf(until -> until <= now.toEpochMilli());
    channelExpires.entrySet().removeIf(e -> {
      if (e.getValue().isAfter(now)) {
        return false;
      }
      InetSocketAddress peer = peerOfChannel.remove(e.getKey());
      if (peer != null) {
        channelOfPeer.remove(peer);
      }
      return true;
    });
  }
}
