package org.rap.common.http;

import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/** TLS versions and verification shared by our servers and clients. */
public final class TlsProtocols {
  /** TLS 1.2 and 1.3 only. */
  public static final Set<String> ENABLED = Set.of("TLSv1.2", "TLSv1.3");

  private TlsProtocols() {}

  /**
   * A client that verifies the server: its certificate must chain to the JVM's trusted CAs, or to
   * {@code caFile} (PEM) alone when given (a private CA), and name the host it was reached by.
   */
  public static WebClientOptions verifying(WebClientOptions options, Optional<Path> caFile) {
    options.setTrustAll(false).setVerifyHost(true).setEnabledSecureTransportProtocols(ENABLED);
    caFile.ifPresent(p -> options.setTrustOptions(new PemTrustOptions().addCertPath(p.toString())));
    return options;
  }
}
