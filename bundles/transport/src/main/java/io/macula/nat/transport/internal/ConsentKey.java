package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Arrays;
import javax.crypto.KeyAgreement;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The key two nodes authenticate their path probes with, as ICE's short-term credentials do its
 * consent checks (RFC 7675): each derives the same key, with nothing exchanged, from an ECDH of its
 * own private key and the public key the peer's TLS handshake proved, through HKDF-SHA256 bound to
 * both node ids. An answer that carries it comes from the peer itself: not from a stranger who
 * took over the peer's address, nor from anyone on the path.
 */
final class ConsentKey {
  static final int LENGTH = 32;
  private static final byte[] INFO = "macula-nat path consent 1".getBytes(StandardCharsets.US_ASCII);

  private ConsentKey() {}

  static byte[] derive(PrivateKey own, NodeId ownId, PublicKey peer, NodeId peerId) {
    byte[] shared;
    try {
      KeyAgreement ecdh = KeyAgreement.getInstance("ECDH");
      ecdh.init(own);
      ecdh.doPhase(peer, true);
      shared = ecdh.generateSecret();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no ECDH between this node's key and " + peerId.shortForm() + "'s", e);
    }
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(new HKDFParameters(shared, salt(ownId, peerId), INFO));
    byte[] key = new byte[LENGTH];
    hkdf.generateBytes(key, 0, LENGTH);
    Arrays.fill(shared, (byte) 0);
    return key;
  }

  /** Both ids, the lesser first: the same salt on both sides. */
  private static byte[] salt(NodeId a, NodeId b) {
    byte[] x = a.toBytes();
    byte[] y = b.toBytes();
    boolean aFirst = Arrays.compareUnsigned(x, y) <= 0;
    byte[] out = new byte[x.length + y.length];
    System.arraycopy(aFirst ? x : y, 0, out, 0, x.length);
    System.arraycopy(aFirst ? y : x, 0, out, x.length, y.length);
    return out;
  }
}
