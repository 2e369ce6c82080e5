package io.macula.nat.transport.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ConsentKeyTest {
  private final NodeIdentity a = NodeIdentity.ephemeral();
  private final NodeIdentity b = NodeIdentity.ephemeral();
  private final NodeIdentity c = NodeIdentity.ephemeral();

  @Test
  void bothSidesDeriveTheSameKeyWithNothingExchanged() {
    byte[] atA = ConsentKey.derive(a.keys().getPrivate(), a.id(), b.keys().getPublic(), b.id());
    byte[] atB = ConsentKey.derive(b.keys().getPrivate(), b.id(), a.keys().getPublic(), a.id());
    assertArrayEquals(atA, atB);
    assertEquals(ConsentKey.LENGTH, atA.length);
  }

  @Test
  void eachPairHasItsOwnKey() {
    byte[] ab = ConsentKey.derive(a.keys().getPrivate(), a.id(), b.keys().getPublic(), b.id());
    byte[] ac = ConsentKey.derive(a.keys().getPrivate(), a.id(), c.keys().getPublic(), c.id());
    byte[] cb = ConsentKey.derive(c.keys().getPrivate(), c.id(), b.keys().getPublic(), b.id());
    assertFalse(Arrays.equals(ab, ac));
    assertFalse(Arrays.equals(ab, cb), "a third node that knows both public keys does not get the pair's key");
  }
}
