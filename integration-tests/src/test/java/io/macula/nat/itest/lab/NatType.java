package io.macula.nat.itest.lab;

import io.macula.nat.api.NatBehavior;

/** The NAT behaviours the lab builds, named as RFC 4787 names them. */
enum NatType {
  NONE("none", "public host", NatBehavior.NONE),
  FULL_CONE("full-cone", "EIM, EIF", NatBehavior.FULL_CONE),
  RESTRICTED_CONE("restricted-cone", "EIM, ADF", NatBehavior.RESTRICTED_CONE),
  PORT_RESTRICTED_CONE("port-restricted-cone", "EIM, APDF", NatBehavior.PORT_RESTRICTED_CONE),
  SYMMETRIC("symmetric", "APDM (random ports), APDF", NatBehavior.SYMMETRIC),
  UDP_BLOCKED("udp-blocked", "all UDP dropped, TCP out allowed", NatBehavior.UDP_BLOCKED);

  final String label;
  final String rfc4787;
  /** The behaviour a node behind this NAT must discover and report. */
  final NatBehavior behavior;

  NatType(String label, String rfc4787, NatBehavior behavior) {
    this.label = label;
    this.rfc4787 = rfc4787;
    this.behavior = behavior;
  }

  /**
   * The router's nftables ruleset. Masquerade keeps a flow's source port when it is free, which
   * makes the mapping endpoint-independent; with {@code random} it picks a new port per flow
   * (address-and-port-dependent). Conntrack lets in only replies (address-and-port-dependent
   * filtering) unless a DNAT rule opens the mapping to any sender (full cone) or to addresses the
   * host has sent to (restricted cone).
   *
   * <p>Like a home router's firewall, the router drops new UDP flows to itself from outside. Without
   * that, an unsolicited packet to a mapped port (a peer's first hole-punching packet) leaves a
   * conntrack entry behind, and the host's own packet to that peer then clashes with it and is
   * given another port: no hole could ever open between two port-restricted cones.
   *
   * @param lanHost the LAN address inbound traffic goes to, for the cone types
   * @param hairpin LAN ports to reflect back into the LAN, host by host (two hosts behind one NAT)
   */
  String ruleset(String publicIp, String lanHost, String hairpin) {
    String prerouting = switch (this) {
      case FULL_CONE -> "iifname \"eth0\" meta l4proto udp dnat to " + lanHost;
      case RESTRICTED_CONE -> "iifname \"eth0\" ip saddr @contacted meta l4proto udp dnat to " + lanHost;
      default -> "";
    };
    String forward = switch (this) {
      case RESTRICTED_CONE -> "iifname \"eth1\" oifname \"eth0\" update @contacted { ip daddr }";
      case UDP_BLOCKED -> "meta l4proto udp drop";
      default -> "";
    };
    String masquerade = this == SYMMETRIC ? "masquerade random" : "masquerade";
    return """
        table ip lab {
          set contacted { type ipv4_addr; flags dynamic,timeout; timeout 10m; }
          chain prerouting {
            type nat hook prerouting priority dstnat; policy accept;
            %s
            %s
          }
          chain postrouting {
            type nat hook postrouting priority srcnat; policy accept;
            oifname "eth0" %s
            %s
          }
          chain forward {
            type filter hook forward priority filter; policy accept;
            %s
          }
          chain input {
            type filter hook input priority filter; policy accept;
            iifname "eth0" meta l4proto udp ct state new drop
          }
        }
        """.formatted(prerouting, hairpin, masquerade,
            hairpin.isEmpty() ? "" : "iifname \"eth1\" oifname \"eth1\" masquerade", forward);
  }
}
