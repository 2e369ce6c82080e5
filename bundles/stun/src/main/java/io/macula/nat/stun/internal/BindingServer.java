package io.macula.nat.stun.internal;

import io.macula.nat.stun.api.ChangeRequest;
import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.Fingerprint;
import io.macula.nat.stun.api.MappedAddress;
import io.macula.nat.stun.api.OtherAddress;
import io.macula.nat.stun.api.ResponseOrigin;
import io.macula.nat.stun.api.ResponsePort;
import io.macula.nat.stun.api.Software;
import io.macula.nat.stun.api.StunAttribute;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.StunParseException;
import io.macula.nat.stun.api.UnknownAttributes;
import io.macula.nat.stun.api.XorMappedAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Answers Binding requests, RFC 8489 §6.3, with the RFC 5780 §6 behaviour when it has an alternate
 * address: a CHANGE-REQUEST is answered from the socket that differs in IP, port or both, and every
 * answer names its origin and the other address.
 *
 * <p>Its sockets are the four combinations of two IP addresses and two ports; the primary (first
 * IP, first port) may be the node's shared endpoint. Without an alternate there is only the
 * primary, and a CHANGE-REQUEST is refused with 420, as RFC 5780 §6.1 asks.
 */
final class BindingServer {
  /** One of the server's sockets: the address it is bound to, and how to send from it. */
  record Socket(InetSocketAddress local, DatagramSender sender) {}

  private final Map<InetSocketAddress, Socket> sockets;
  private final Socket primary;
  private final boolean rfc5780;
  /** With RFC 5780: the IP address and port of the sockets that are not the primary's. */
  private final InetAddress alternateIp;
  private final int alternatePort;
  private final Software software; // null: none
  private final SourceRateLimit limit;
  private final StunCounters counters;

  /**
   * @param sockets the primary first; then, for RFC 5780, the other three combinations of the two
   *     IP addresses and two ports
   */
  /**
   * @param software the SOFTWARE attribute of answers; blank: none, which keeps answers short
   * @param limit how many answers each source prefix gets
   */
  BindingServer(List<Socket> sockets, String software, SourceRateLimit limit, StunCounters counters) {
    if (sockets.size() != 1 && sockets.size() != 4) {
      throw new IllegalArgumentException("a STUN server has 1 socket, or 4 for RFC 5780, not " + sockets.size());
    }
    this.primary = sockets.get(0);
    this.sockets = new java.util.HashMap<>();
    sockets.forEach(s -> this.sockets.put(s.local(), s));
    this.rfc5780 = sockets.size() == 4;
    InetSocketAddress last = sockets.get(sockets.size() - 1).local();
    this.alternateIp = last.getAddress();
    this.alternatePort = last.getPort();
    this.software = software.isBlank() ? null : new Software(software);
    this.limit = limit;
    this.counters = counters;
  }

  /**
   * Where the three sockets besides the primary ({@code ip}, {@code port}) go for RFC 5780: the
   * other port, the other IP, then both, in the order the constructor takes them.
   */
  static List<InetSocketAddress> alternates(InetAddress ip, int port, InetAddress alternateIp, int alternatePort) {
    return List.of(
        new InetSocketAddress(ip, alternatePort),
        new InetSocketAddress(alternateIp, port),
        new InetSocketAddress(alternateIp, alternatePort));
  }

  /**
   * A datagram reached one of the server's own sockets, which serve nothing else: requests are
   * answered, anything else is dropped and counted. {@code raw} stays the caller's.
   */
  void received(InetSocketAddress at, InetSocketAddress from, ByteBuf raw) {
    if (!StunCodec.looksLikeStun(raw)) {
      counters.drop(StunCounters.NOT_STUN);
      return;
    }
    StunMessage m;
    try {
      m = StunCodec.decode(raw);
    } catch (StunParseException e) {
      counters.drop(StunCounters.MALFORMED);
      return;
    }
    if (m.messageClass() == StunClass.REQUEST) {
      onRequest(at, from, raw, m);
    } else {
      counters.drop(StunCounters.REQUEST_NOT_SERVED);
    }
  }

  /**
   * A request arrived at {@code at} (one of this server's sockets) from {@code from}. {@code raw}
   * is the datagram, owned by the caller.
   */
  void onRequest(InetSocketAddress at, InetSocketAddress from, ByteBuf raw, StunMessage request) {
    Socket received = sockets.getOrDefault(at, primary);
    boolean fingerprint = request.attribute(Fingerprint.class).isPresent();
    if (fingerprint && !StunCodec.verifyFingerprint(raw)) {
      counters.drop(StunCounters.BAD_FINGERPRINT);
      return; // §7.3: a bad FINGERPRINT means it was not STUN after all
    }
    if (!limit.allow(from.getAddress())) {
      counters.drop(StunCounters.RATE_LIMITED);
      return;
    }
    List<Integer> unknown = new ArrayList<>(StunCodec.unknownRequired(request));
    ChangeRequest change = request.attribute(ChangeRequest.class).orElse(null);
    if (change != null && !rfc5780) {
      unknown.add(ChangeRequest.TYPE);
    }
    // RFC 5780 §7.5: RESPONSE-PORT is for behaviour discovery only; a server without it treats the
    // attribute as unknown, so answers cannot be aimed at another port of the sender.
    Optional<ResponsePort> responsePort = request.attribute(ResponsePort.class);
    if (responsePort.isPresent() && !rfc5780) {
      unknown.add(ResponsePort.TYPE);
    }
    if (!unknown.isEmpty()) {
      reply(received, from, error(request, ErrorCode.UNKNOWN_ATTRIBUTE, "Unknown Attribute",
          new UnknownAttributes(unknown)), fingerprint);
      return;
    }
    if (responsePort.isPresent() && responsePort.get().port() < 1024) {
      reply(received, from, error(request, ErrorCode.BAD_REQUEST, "RESPONSE-PORT below 1024"), fingerprint);
      return;
    }
    if (request.method() != StunMessage.BINDING) {
      reply(received, from, error(request, ErrorCode.BAD_REQUEST, "Unsupported method " + request.method()), fingerprint);
      return;
    }
    Socket out = received;
    if (change != null && (change.changeIp() || change.changePort())) {
      out = sockets.get(new InetSocketAddress(
          change.changeIp() ? other(received.local().getAddress()) : received.local().getAddress(),
          change.changePort() ? otherPort(received.local().getPort()) : received.local().getPort()));
    }
    InetSocketAddress to = responsePort
        .map(p -> new InetSocketAddress(from.getAddress(), p.port()))
        .orElse(from);
    List<StunAttribute> attributes = new ArrayList<>();
    attributes.add(new XorMappedAddress(from));
    // RFC 3489 clients read only MAPPED-ADDRESS.
    attributes.add(new MappedAddress(from));
    if (rfc5780) {
      attributes.add(new ResponseOrigin(out.local()));
      attributes.add(new OtherAddress(new InetSocketAddress(
          other(received.local().getAddress()), otherPort(received.local().getPort()))));
    }
    if (software != null) {
      attributes.add(software);
    }
    reply(out, to, new StunMessage(StunClass.SUCCESS_RESPONSE, request.method(), request.transactionId(), attributes),
        fingerprint);
  }

  private static StunMessage error(StunMessage request, int code, String reason, StunAttribute... more) {
    List<StunAttribute> attributes = new ArrayList<>();
    attributes.add(new ErrorCode(code, reason));
    attributes.addAll(List.of(more));
    return new StunMessage(StunClass.ERROR_RESPONSE, request.method(), request.transactionId(), attributes);
  }

  private void reply(Socket from, InetSocketAddress to, StunMessage response, boolean fingerprint) {
    ByteBuf out = StunCodec.encode(ByteBufAllocator.DEFAULT, response, null, false, fingerprint);
    from.sender().sendAndRelease(to, out);
    counters.answered.increment();
  }

  private InetAddress other(InetAddress ip) {
    return ip.equals(alternateIp) ? primary.local().getAddress() : alternateIp;
  }

  private int otherPort(int port) {
    return port == alternatePort ? primary.local().getPort() : alternatePort;
  }
}
