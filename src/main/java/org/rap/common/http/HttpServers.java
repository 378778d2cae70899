package org.rap.common.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.rap.common.config.ServerTls;

/**
 * Starting and gracefully stopping the roles' HTTP servers, over TLS when the role has a
 * certificate ({@code TLS_CERT_FILE}, {@code TLS_KEY_FILE}).
 */
public final class HttpServers {
  private HttpServers() {}

  /** Plain HTTP (tests and tools). */
  public static Future<HttpServer> listen(Vertx vertx, Router router, String host, int port) {
    return listen(vertx, router, host, port, Optional.empty());
  }

  /**
   * Listens on {@code host:port}; with {@code tls}, HTTPS only (TLS 1.2 and 1.3), and the
   * certificate files are watched ({@link CertificateReloader}) so a renewed certificate is served
   * to new connections without a restart. Call from the owning verticle: the watch timer is
   * cancelled with it.
   */
  public static Future<HttpServer> listen(
      Vertx vertx, Router router, String host, int port, Optional<ServerTls> tls) {
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(host)
            .setPort(port)
            .setCompressionSupported(true)
            .setIdleTimeout(120)
            .setIdleTimeoutUnit(TimeUnit.SECONDS);
    if (tls.isEmpty()) {
      return vertx.createHttpServer(options).requestHandler(router).listen();
    }
    CertificateReloader reloader = new CertificateReloader(vertx, tls.get());
    return reloader
        .load()
        .compose(
            keyCert ->
                vertx
                    .createHttpServer(
                        options
                            .setSsl(true)
                            .setKeyCertOptions(keyCert.options())
                            .setEnabledSecureTransportProtocols(TlsProtocols.ENABLED))
                    .requestHandler(router)
                    .listen()
                    .onSuccess(server -> reloader.watch(server, keyCert.stamp())));
  }

  /** Stops accepting connections and lets in-flight requests finish for at most {@code grace}. */
  public static Future<Void> shutdown(HttpServer server, Duration grace) {
    if (server == null) {
      return Future.succeededFuture();
    }
    return server.shutdown(Math.max(grace.toMillis(), 1), TimeUnit.MILLISECONDS);
  }
}
