package io.macula.nat.stun.api;

import org.osgi.annotation.versioning.ConsumerType;

/** Whiteboard: told the result of every NAT behaviour discovery, on the discovery's thread. */
@ConsumerType
public interface NatListener {
  void discovered(NatInfo info);
}
