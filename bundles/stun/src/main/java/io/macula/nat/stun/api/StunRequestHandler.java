package io.macula.nat.stun.api;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Takes STUN requests that reach the node's shared socket before the node's Binding server does:
 * an ICE agent's connectivity checks, which carry a USERNAME of the agent's own. Registered with
 * {@link StunClient#handleRequests}, not as a service: its owner needs the client, and a service
 * the client tracked would make a circle of references.
 */
@ConsumerType
public interface StunRequestHandler {
  /**
   * A request from {@code from}; {@code raw} is the datagram, valid only during the call (for
   * MESSAGE-INTEGRITY). Runs on the socket's I/O thread: must not block.
   *
   * @return whether this handler took the request; if not, the next one or the server may
   */
  boolean handle(InetSocketAddress from, StunMessage request, ByteBuffer raw);
}
