package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a peer's certificate when it is a valid self-signature of the peer's key. Which key (and
 * so which node id) is acceptable is decided after the handshake, against the id expected.
 */
final class SelfSignedTrustManager extends X509ExtendedTrustManager {
  static final SelfSignedTrustManager INSTANCE = new SelfSignedTrustManager();

  /** The node id a finished handshake proved for the peer. */
  static NodeId peerId(SSLEngine engine) throws SSLPeerUnverifiedException {
    var certs = engine.getSession().getPeerCertificates();
    if (certs.length == 0) {
      throw new SSLPeerUnverifiedException("the peer presented no certificate");
    }
    return NodeId.ofPublicKey(certs[0].getPublicKey().getEncoded());
  }

  /** P-256's domain parameters: its curve, base point and order tell its keys from other curves'. */
  private static final java.security.spec.ECParameterSpec P256 = p256();

  private static java.security.spec.ECParameterSpec p256() {
    try {
      java.security.AlgorithmParameters p = java.security.AlgorithmParameters.getInstance("EC");
      p.init(new java.security.spec.ECGenParameterSpec("secp256r1"));
      return p.getParameterSpec(java.security.spec.ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has EC P-256", e);
    }
  }

  private static void check(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("no certificate presented");
    }
    X509Certificate cert = chain[0];
    if (!(cert.getPublicKey() instanceof java.security.interfaces.ECPublicKey key)
        || !key.getParams().getOrder().equals(P256.getOrder()) || !key.getParams().getCurve().equals(P256.getCurve())
        || !key.getParams().getGenerator().equals(P256.getGenerator())) {
      // A node's key is P-256's, and the pair's consent key is an ECDH of two such keys.
      throw new CertificateException("the certificate's key is not an EC P-256 key");
    }
    cert.checkValidity();
    try {
      cert.verify(cert.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new CertificateException("the certificate is not signed by its own key", e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
