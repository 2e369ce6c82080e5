package io.macula.nat.itest.lab;

import java.time.Duration;

/**
 * Observes a lab NAT from the outside with plain UDP sockets, as RFC 5780 does: the mapping
 * (one public port towards two destinations, or two) and the filtering (which unsolicited senders
 * get through), and names the behaviour it saw.
 */
final class NatCheck {
  private NatCheck() {}

  /** What was seen, and the behaviour it makes. */
  record Seen(NatType behaviour, String mapping, String filtering) {}

  static Seen observe(Lab.Host host, Lab.Host observer) throws Exception {
    String[] obs = Lab.OBSERVER_IPS;
    try (Probe client = new Probe(host.ns(), "0.0.0.0:5000");
        Probe out = new Probe(observer.ns(), obs[0] + ":3478", obs[0] + ":3479", obs[1] + ":3478", obs[2] + ":3478")) {
      client.send(0, obs[0] + ":3478", "m1");
      client.send(0, obs[1] + ":3478", "m2");
      String m1 = out.senderOf("m1", Duration.ofSeconds(2));
      String m2 = out.senderOf("m2", Duration.ofSeconds(1));
      if (m1 == null) {
        return new Seen(NatType.UDP_BLOCKED, "nothing arrived", "-");
      }
      if (m1.startsWith(host.ip() + ":")) {
        return new Seen(NatType.NONE, "no translation: " + m1, "-");
      }
      boolean independent = m1.equals(m2);
      // Replies to the mapping towards the first destination: from that endpoint, from another
      // port of its address, and from an address the host never sent to.
      out.send(0, m1, "same-endpoint");
      out.send(1, m1, "same-address");
      out.send(3, m1, "other-address");
      boolean same = client.senderOf("same-endpoint", Duration.ofSeconds(1)) != null;
      boolean sameAddress = client.senderOf("same-address", Duration.ofMillis(500)) != null;
      boolean otherAddress = client.senderOf("other-address", Duration.ofMillis(500)) != null;
      String mapping = (independent ? "endpoint-independent (" : "address-and-port-dependent (") + m1 + ", " + m2 + ")";
      String filtering = otherAddress ? "endpoint-independent"
          : sameAddress ? "address-dependent"
          : same ? "address-and-port-dependent" : "nothing gets back";
      NatType behaviour;
      if (!same) {
        behaviour = null;
      } else if (!independent) {
        behaviour = !sameAddress ? NatType.SYMMETRIC : null;
      } else if (otherAddress) {
        behaviour = NatType.FULL_CONE;
      } else if (sameAddress) {
        behaviour = NatType.RESTRICTED_CONE;
      } else {
        behaviour = NatType.PORT_RESTRICTED_CONE;
      }
      return new Seen(behaviour, mapping, filtering);
    }
  }
}
