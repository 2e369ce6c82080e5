package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeId;

/** Node and hub ids for tests, told apart by their first byte. */
final class TestIds {
  private TestIds() {}

  static NodeId id(int n) {
    byte[] b = new byte[NodeId.LENGTH];
    b[0] = (byte) n;
    return NodeId.of(b);
  }
}
