package io.macula.nat.turn.api;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: TURN servers the node's TURN client may use after those it is configured with, each
 * with its credentials. A node's hub session offers its hub's, with credentials the hub made for it.
 */
@ConsumerType
public interface TurnContext {
  /** The offers now; those past their expiry are not used. */
  List<TurnServerOffer> turnServers();
}
