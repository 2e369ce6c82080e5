package io.macula.nat.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: register one as a service to observe every connect. Events arrive in order, on one
 * thread of the negotiator's, and must be handled quickly.
 */
@ConsumerType
public interface TraversalListener {
  void onEvent(TraversalEvent event);
}
