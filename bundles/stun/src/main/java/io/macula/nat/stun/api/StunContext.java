package io.macula.nat.stun.api;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: what the node around the STUN client knows that STUN cannot find out itself. The
 * node's hub session provides one: its hub answers STUN, and the session itself is UDP traffic
 * that got through.
 */
@ConsumerType
public interface StunContext {
  /** STUN servers to use when none is configured, in order. */
  List<StunServerAddress> defaultServers();

  /**
   * How the node knows UDP passes, when it does (other UDP traffic of its socket got answers), so
   * that silence from STUN servers is not taken for UDP blocked; empty when it does not know.
   */
  Optional<String> udpPasses();
}
