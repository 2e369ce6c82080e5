package io.macula.nat.stun.internal;

import io.macula.nat.stun.api.BindingLifetime;
import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.ResponsePort;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunParseException;
import io.macula.nat.stun.api.XorMappedAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How long the NAT before the node keeps an idle UDP mapping: RFC 5780 §4.6's binding lifetime
 * discovery, with every wait at once. For each wait a socket of its own (X) asks the server for its
 * mapping, then stays silent; once the wait has passed since the answer, another socket (Y) asks
 * the server to answer to X's mapped port (RESPONSE-PORT): an answer that reaches X says the
 * mapping outlived the wait. Sockets of their own, as the RFC's: the node's own traffic would
 * refresh the very mapping it measures. It stops at the first wait the mapping did not outlive.
 * Blocking, for up to the longest wait: run it off the socket's thread.
 */
final class BindingLifetimeProbe {
  /** The waits tried, shortest first: a mapping that outlives the longest needs no more than the consent checks. */
  static final List<Duration> WAITS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3),
      Duration.ofSeconds(4), Duration.ofSeconds(6), Duration.ofSeconds(10), Duration.ofSeconds(20),
      Duration.ofSeconds(40));
  /** How long a socket waits for an answer before its request goes again. */
  private static final Duration ANSWER_WAIT = Duration.ofMillis(400);
  private static final int ATTEMPTS = 3;

  private final List<Duration> waits;
  private final Clock clock;

  BindingLifetimeProbe(List<Duration> waits, Clock clock) {
    this.waits = List.copyOf(waits);
    this.clock = clock;
  }

  /**
   * Measures against {@code server}, which must honour RESPONSE-PORT (RFC 5780), from sockets on
   * {@code local} (the node's own address, so that the NAT measured is the one before its socket;
   * null for any).
   *
   * @throws IOException when the server does not answer, or will not answer to another port
   */
  BindingLifetime measure(InetSocketAddress server, java.net.InetAddress local) throws IOException, InterruptedException {
    List<DatagramSocket> sockets = new ArrayList<>();
    try (DatagramSocket y = new DatagramSocket(new InetSocketAddress(local, 0))) {
      List<Mapping> mappings = new ArrayList<>();
      for (Duration wait : waits) {
        DatagramSocket x = new DatagramSocket(new InetSocketAddress(local, 0));
        sockets.add(x);
        mappings.add(new Mapping(wait, x));
      }
      for (Mapping m : mappings) {
        m.mapped = mapped(m.socket, server);
        m.answeredNanos = System.nanoTime();
      }
      control(y, server, mappings, local);
      Duration atLeast = Duration.ZERO;
      for (Mapping m : mappings) {
        long due = m.answeredNanos + m.wait.toNanos();
        long sleep = due - System.nanoTime();
        if (sleep > 0) {
          Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
        if (!answeredAt(m, y, server)) {
          return new BindingLifetime(atLeast, Optional.of(m.wait), server, clock.instant());
        }
        atLeast = m.wait;
      }
      return new BindingLifetime(atLeast, Optional.empty(), server, clock.instant());
    } finally {
      sockets.forEach(DatagramSocket::close);
    }
  }

  /** One wait's socket and the port the NAT mapped it to. */
  private static final class Mapping {
    final Duration wait;
    final DatagramSocket socket;
    InetSocketAddress mapped;
    long answeredNanos;

    Mapping(Duration wait, DatagramSocket socket) {
      this.wait = wait;
      this.socket = socket;
    }
  }

  /**
   * Before any wait: Y's mapped address must be the X sockets' IP (the answers to their ports go
   * to Y's), and an answer to a port at once must arrive, or the measurement would read a server
   * that drops RESPONSE-PORT, or a NAT that maps each socket to another address, as a lifetime
   * shorter than the shortest wait.
   */
  private static void control(DatagramSocket y, InetSocketAddress server, List<Mapping> mappings,
      java.net.InetAddress local) throws IOException {
    InetSocketAddress ours = mapped(y, server);
    for (Mapping m : mappings) {
      if (!m.mapped.getAddress().equals(ours.getAddress())) {
        throw new IOException("the NAT maps this host's sockets to different addresses (" + ours.getAddress()
            + ", " + m.mapped.getAddress() + "): answers to a port would not reach it");
      }
    }
    try (DatagramSocket control = new DatagramSocket(new InetSocketAddress(local, 0))) {
      Mapping now = new Mapping(Duration.ZERO, control);
      now.mapped = mapped(control, server);
      if (!answeredAt(now, y, server)) {
        throw new IOException(server + "'s answers to another port (RESPONSE-PORT) do not arrive even at once");
      }
    }
  }

  /** The address the server saw the socket's request from. */
  private static InetSocketAddress mapped(DatagramSocket x, InetSocketAddress server) throws IOException {
    StunMessage request = StunMessage.bindingRequest();
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      send(x, request, server);
      Optional<StunMessage> answer = receive(x, request, ANSWER_WAIT);
      if (answer.isPresent()) {
        return answer.get().attribute(XorMappedAddress.class)
            .orElseThrow(() -> new IOException(server + " answered with no XOR-MAPPED-ADDRESS"))
            .address();
      }
    }
    throw new IOException(server + " did not answer a Binding request");
  }

  /**
   * Whether the server's answer to Y, sent to X's mapped port, reached X. An error answer to Y
   * means the server will not answer to another port: nothing can be measured.
   */
  private static boolean answeredAt(Mapping m, DatagramSocket y, InetSocketAddress server) throws IOException {
    StunMessage request = StunMessage.bindingRequest(new ResponsePort(m.mapped.getPort()));
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      send(y, request, server);
      if (receive(m.socket, request, ANSWER_WAIT).isPresent()) {
        return true;
      }
      Optional<StunMessage> refused = receive(y, request, Duration.ofMillis(1));
      if (refused.isPresent()) {
        String why = refused.get().attribute(ErrorCode.class).map(e -> e.code() + " " + e.reason()).orElse("an answer");
        throw new IOException(server + " will not answer to another port (RESPONSE-PORT): " + why);
      }
    }
    return false;
  }

  private static void send(DatagramSocket s, StunMessage m, InetSocketAddress to) throws IOException {
    ByteBuf b = StunCodec.encode(ByteBufAllocator.DEFAULT, m, null, false, true);
    try {
      byte[] bytes = ByteBufUtil.getBytes(b);
      s.send(new DatagramPacket(bytes, bytes.length, to));
    } finally {
      b.release();
    }
  }

  /** The answer to {@code request} that reaches the socket within {@code wait}; anything else is ignored. */
  private static Optional<StunMessage> receive(DatagramSocket s, StunMessage request, Duration wait) throws IOException {
    long deadline = System.nanoTime() + wait.toNanos();
    byte[] buffer = new byte[1500];
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return Optional.empty();
      }
      s.setSoTimeout((int) Math.max(1, (left + 999_999) / 1_000_000)); // 0 would wait for ever
      DatagramPacket p = new DatagramPacket(buffer, buffer.length);
      try {
        s.receive(p);
      } catch (SocketTimeoutException e) {
        return Optional.empty();
      }
      try {
        StunMessage m = StunCodec.decode(Unpooled.wrappedBuffer(buffer, 0, p.getLength()));
        if (m.transactionId().equals(request.transactionId()) && m.messageClass() != StunClass.REQUEST) {
          return Optional.of(m);
        }
      } catch (StunParseException e) {
        // not STUN, or not well formed: not the answer
      }
    }
  }
}
