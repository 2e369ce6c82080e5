package io.macula.nat.hub.internal;

import io.macula.nat.api.NodeId;

/** Node and hub ids for tests, told apart by their first two bytes. */
final class TestIds {
  private TestIds() {}

  static NodeId id(int n) {
    byte[] b = new byte[NodeId.LENGTH];
    b[0] = (byte) n;
    b[1] = (byte) (n >> 8); // 0 below 256: the ids the tests knew before
    return NodeId.of(b);
  }
}
