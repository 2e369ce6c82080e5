package io.macula.nat.transport.internal;

import io.macula.nat.api.NodeId;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A node's key pair, kept in a PEM file made on first start with owner-only permissions, the node
 * id derived from its public key, and a self-signed certificate of that key for QUIC's TLS.
 */
final class NodeIdentity {
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

  private final KeyPair keys;
  private final NodeId id;
  private final X509Certificate certificate;

  private NodeIdentity(KeyPair keys) throws GeneralSecurityException {
    this.keys = keys;
    this.id = NodeId.ofPublicKey(keys.getPublic().getEncoded());
    this.certificate = selfSigned(keys, id);
  }

  /** Reads the key pair from {@code file}, or makes one and writes it there if there is none. */
  static NodeIdentity loadOrCreate(Path file) throws IOException {
    try {
      if (Files.exists(file)) {
        return new NodeIdentity(read(file));
      }
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair keys = g.generateKeyPair();
      write(file, keys);
      return new NodeIdentity(keys);
    } catch (GeneralSecurityException e) {
      throw new IOException(file + ": not a usable identity: " + e.getMessage(), e);
    }
  }

  /**
   * Whether {@code file} holds a usable key pair: what loading it checks, without the certificate
   * loading also makes.
   *
   * @throws IOException saying what is wrong with it
   */
  static void check(Path file) throws IOException {
    try {
      read(file);
    } catch (GeneralSecurityException e) {
      throw new IOException(file + ": not a usable identity: " + e.getMessage(), e);
    }
  }

  /** A fresh identity that lives in memory only (tests, throwaway nodes). */
  static NodeIdentity ephemeral() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      return new NodeIdentity(g.generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has EC P-256", e);
    }
  }

  NodeId id() {
    return id;
  }

  KeyPair keys() {
    return keys;
  }

  X509Certificate certificate() {
    return certificate;
  }

  private static KeyPair read(Path file) throws IOException, GeneralSecurityException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    byte[] privateKey = null;
    byte[] publicKey = null;
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      byte[] der = Base64.getMimeDecoder().decode(m.group(2));
      switch (m.group(1)) {
        case "PRIVATE KEY" -> privateKey = der;
        case "PUBLIC KEY" -> publicKey = der;
        default -> throw new IOException(file + ": unexpected PEM block " + m.group(1));
      }
    }
    if (privateKey == null || publicKey == null) {
      throw new IOException(file + ": needs a PRIVATE KEY and a PUBLIC KEY block");
    }
    KeyFactory f = KeyFactory.getInstance("EC");
    return new KeyPair(
        f.generatePublic(new X509EncodedKeySpec(publicKey)),
        f.generatePrivate(new PKCS8EncodedKeySpec(privateKey)));
  }

  private static void write(Path file, KeyPair keys) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
    String pem =
        "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(keys.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n"
            + "-----BEGIN PUBLIC KEY-----\n" + b64.encodeToString(keys.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    // Made owner-only before the key is written into it, then moved into place whole.
    Path tmp = Files.createTempFile(dir, ".identity", ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static X509Certificate selfSigned(KeyPair keys, NodeId id) throws GeneralSecurityException {
    try {
      X500Name name = new X500Name("CN=" + id);
      Instant now = Instant.now();
      var builder =
          new JcaX509v3CertificateBuilder(
              name,
              new BigInteger(64, new SecureRandom()),
              Date.from(now.minus(Duration.ofDays(1))),
              Date.from(now.plus(Duration.ofDays(3650))),
              name,
              keys.getPublic());
      var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate());
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign a certificate: " + e.getMessage(), e);
    }
  }
}
