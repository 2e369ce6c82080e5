package io.macula.nat.ice.api;

/** The type of a candidate, RFC 8445 §5.1.1, with the type preference §5.1.2.2 recommends. */
public enum CandidateType {
  HOST("host", 126),
  PEER_REFLEXIVE("prflx", 110),
  SERVER_REFLEXIVE("srflx", 100),
  RELAYED("relay", 0);

  private final String sdpName;
  private final int typePreference;

  CandidateType(String sdpName, int typePreference) {
    this.sdpName = sdpName;
    this.typePreference = typePreference;
  }

  /** The name in a candidate attribute, RFC 8839 §5.1: host, srflx, prflx, relay. */
  public String sdpName() {
    return sdpName;
  }

  public int typePreference() {
    return typePreference;
  }

  public static CandidateType ofSdpName(String name) {
    for (CandidateType t : values()) {
      if (t.sdpName.equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown candidate type '" + name + "'");
  }
}
