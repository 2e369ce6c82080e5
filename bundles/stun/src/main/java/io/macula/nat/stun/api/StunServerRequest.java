package io.macula.nat.stun.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: while one is registered, the node's STUN server answers on the node's port even where
 * its configuration does not enable it. A hub registers one: nodes take their hub for their STUN
 * server.
 */
@ConsumerType
public interface StunServerRequest {
  /** Who asks, for the log. */
  String requester();
}
