package org.rap.common.config;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.X509KeyManager;

/** Reads and checks the TLS settings: the listener's certificate and key, and trusted CAs. */
public final class TlsFiles {
  private TlsFiles() {}

  /**
   * {@code TLS_CERT_FILE} and {@code TLS_KEY_FILE}: both or neither; when set, both files must be
   * readable PEM and the key must match the certificate.
   */
  public static Optional<ServerTls> server(Settings s) {
    Optional<String> cert = s.get("TLS_CERT_FILE");
    Optional<String> key = s.get("TLS_KEY_FILE");
    Duration reload =
        Duration.ofMillis(Math.round(s.decimal("TLS_RELOAD_INTERVAL", 10.0, 0.0) * 1000));
    if (cert.isEmpty() && key.isEmpty()) {
      return Optional.empty();
    }
    if (cert.isEmpty() || key.isEmpty()) {
      s.problem("TLS_CERT_FILE and TLS_KEY_FILE must both be set to enable TLS, or neither");
      return Optional.empty();
    }
    Path certPath = Path.of(cert.get()).toAbsolutePath();
    Path keyPath = Path.of(key.get()).toAbsolutePath();
    boolean readable =
        readable(s, "TLS_CERT_FILE", certPath) & readable(s, "TLS_KEY_FILE", keyPath);
    if (readable) {
      try {
        checkedKeyCert(Files.readAllBytes(certPath), Files.readAllBytes(keyPath));
      } catch (Exception e) {
        s.problem(
            "TLS_CERT_FILE",
            "TLS_CERT_FILE "
                + certPath
                + " and TLS_KEY_FILE "
                + keyPath
                + " are not a PEM certificate and its private key: "
                + e.getMessage());
      }
    }
    return Optional.of(new ServerTls(certPath, keyPath, reload));
  }

  /**
   * The listener's key and certificate from PEM file contents, once checked: both parse, and the
   * key is the certificate's (something signed with it verifies with the certificate's public key;
   * TLS libraries accept a mismatched pair and then fail every handshake).
   *
   * @throws Exception saying what is wrong (never quoting the key)
   */
  public static PemKeyCertOptions checkedKeyCert(byte[] cert, byte[] key) throws Exception {
    PemKeyCertOptions options =
        new PemKeyCertOptions().setCertValue(Buffer.buffer(cert)).setKeyValue(Buffer.buffer(key));
    X509KeyManager km = (X509KeyManager) options.getKeyManagerFactory(null).getKeyManagers()[0];
    String alias = null;
    for (String type : new String[] {"RSA", "EC", "EdDSA", "Ed25519", "Ed448"}) {
      String[] aliases = km.getServerAliases(type, null);
      if (alias == null && aliases != null && aliases.length > 0) {
        alias = aliases[0];
      }
    }
    PrivateKey privateKey = alias == null ? null : km.getPrivateKey(alias);
    X509Certificate[] chain = alias == null ? null : km.getCertificateChain(alias);
    if (privateKey == null || chain == null || chain.length == 0) {
      throw new IllegalArgumentException("no certificate and private key found");
    }
    String algorithm =
        switch (privateKey.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> privateKey.getAlgorithm(); // Ed25519, Ed448
        };
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(privateKey);
    signer.update(challenge);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(chain[0].getPublicKey());
    verifier.update(challenge);
    if (!verifier.verify(signature)) {
      throw new IllegalArgumentException("the private key does not belong to the certificate");
    }
    return options;
  }

  /**
   * A file of PEM CA certificates to trust.
   *
   * @param key its setting ({@code CONTROLLER_CA_FILE}, ...), for problems
   * @param v the setting's value
   */
  public static Optional<Path> caFile(Settings s, String key, Optional<String> v) {
    if (v.isEmpty()) {
      return Optional.empty();
    }
    Path p = Path.of(v.get()).toAbsolutePath();
    if (readable(s, key, p)) {
      try (InputStream in = Files.newInputStream(p)) {
        if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
          s.problem(key, key + " " + p + " holds no PEM certificate");
        }
      } catch (Exception e) {
        s.problem(key, key + " " + p + " is not a PEM certificate file: " + e.getMessage());
      }
    }
    return Optional.of(p);
  }

  private static boolean readable(Settings s, String key, Path p) {
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      s.problem(key, key + " names a file that does not exist or is not readable: " + p);
      return false;
    }
    return true;
  }
}
