package io.macula.nat.stun.internal;

import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.StunServerAddress;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** A client stack on a loopback socket of its own, for tests against real servers. */
final class LoopbackStun implements AutoCloseable {
  static final RetransmissionSchedule FAST = new RetransmissionSchedule(Duration.ofMillis(50), 4, 8);

  final EventLoopGroup group = UdpSocket.newGroup(1);
  final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  final UdpSocket socket;
  final StunStack stack;

  LoopbackStun(List<StunServerAddress> servers) {
    StunStack[] self = new StunStack[1];
    this.socket = UdpSocket.bind(group, new InetSocketAddress("127.0.0.1", 0),
        (at, sender, raw) -> self[0].received(at, sender, raw));
    this.stack = new StunStack(socket, timer, socket::localAddress, () -> servers, () -> null,
        new StunStack.Settings(FAST, FAST), info -> info, Clock.systemUTC());
    self[0] = stack;
  }

  @Override
  public void close() {
    stack.close();
    socket.close();
    timer.shutdownNow();
    UdpSocket.shutdown(group);
  }
}
