package org.rap.testing;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.io.InputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.rap.common.config.ServerTls;
import org.rap.common.http.HttpServers;

/**
 * A private certificate authority made in the test (BouncyCastle), issuing server certificates for
 * chosen names, written as PEM files as operators get them: {@code ca.pem}, {@code <name>.crt}
 * (leaf then CA) and {@code <name>.key} (PKCS#8).
 */
public final class TestCertificates {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final X500Name caName;
  private final KeyPair caKeys;
  private final X509Certificate caCert;

  /** A server certificate and its files. */
  public record Issued(Path certFile, Path keyFile, BigInteger serial) {}

  private TestCertificates(String name) throws Exception {
    caName = new X500Name("CN=" + name);
    caKeys = keys();
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            caName,
            BigInteger.valueOf(SERIAL.incrementAndGet()),
            Date.from(Instant.now().minus(Duration.ofHours(1))),
            Date.from(Instant.now().plus(Duration.ofDays(2))),
            caName,
            caKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    caCert = sign(b, caKeys);
  }

  /** A new CA named {@code name}. */
  public static TestCertificates authority(String name) throws Exception {
    return new TestCertificates(name);
  }

  /** Writes the CA certificate to {@code dir/ca.pem}. */
  public Path writeCa(Path dir) throws Exception {
    Path file = dir.resolve("ca.pem");
    Files.writeString(file, pem(caCert));
    return file;
  }

  /**
   * Issues a server certificate for {@code dnsNames} (and 127.0.0.1 when {@code "127.0.0.1"} is
   * among them) into {@code dir/<fileName>.crt} and {@code .key}.
   */
  public Issued issue(Path dir, String fileName, String... dnsNames) throws Exception {
    KeyPair keys = keys();
    BigInteger serial = BigInteger.valueOf(SERIAL.incrementAndGet());
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            caName,
            serial,
            Date.from(Instant.now().minus(Duration.ofHours(1))),
            Date.from(Instant.now().plus(Duration.ofDays(1))),
            new X500Name("CN=" + dnsNames[0]),
            keys.getPublic());
    List<GeneralName> names = new ArrayList<>();
    for (String n : dnsNames) {
      names.add(
          new GeneralName(n.matches("[0-9.]+") ? GeneralName.iPAddress : GeneralName.dNSName, n));
    }
    b.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(names.toArray(new GeneralName[0])));
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    X509Certificate cert = sign(b, caKeys);
    Path certFile = dir.resolve(fileName + ".crt");
    Path keyFile = dir.resolve(fileName + ".key");
    Files.writeString(certFile, pem(cert) + pem(caCert));
    Files.writeString(keyFile, pem(new JcaPKCS8Generator(keys.getPrivate(), null)));
    return new Issued(certFile, keyFile, serial);
  }

  /**
   * Serves {@code router} over TLS on a free loopback port from a verticle (which owns the
   * certificate watch), as the roles do; returns the port.
   */
  public static int serve(Vertx vertx, Router router, ServerTls tls) {
    int[] port = new int[1];
    vertx
        .deployVerticle(
            new VerticleBase() {
              @Override
              public Future<?> start() {
                return HttpServers.listen(vertx, router, "127.0.0.1", 0, Optional.of(tls))
                    .onSuccess(s -> port[0] = s.actualPort());
              }
            })
        .await();
    return port[0];
  }

  /** A client TLS context that trusts only the CA certificate in {@code caFile}. */
  public static SSLContext trusting(Path caFile) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(caFile)) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static KeyPair keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    return g.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws Exception {
    ContentSigner s = new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate());
    return new JcaX509CertificateConverter().getCertificate(b.build(s));
  }

  private static String pem(Object o) throws Exception {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    }
    return w.toString();
  }
}
