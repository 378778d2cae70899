package org.rap.common.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileProps;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.util.List;
import java.util.logging.Logger;
import org.rap.common.config.ServerTls;
import org.rap.common.config.TlsFiles;

/**
 * Serves renewed certificates without a restart: every {@link ServerTls#reloadInterval()} the
 * certificate and key files' modification times and sizes are compared with those last loaded; when
 * either changed, both are read and handed to the running server ({@link
 * HttpServer#updateSSLOptions}), which uses them for every new connection. A pair that does not
 * load (say the certificate was replaced before its key) keeps the previous one in service, is
 * reported once, and is tried again when the files change next.
 */
final class CertificateReloader {
  private static final Logger LOG = Logger.getLogger(CertificateReloader.class.getName());

  /** The loaded options and the file stamps they were loaded from. */
  record Loaded(PemKeyCertOptions options, List<Long> stamp) {}

  private final Vertx vertx;
  private final ServerTls tls;
  private List<Long> current;
  private List<Long> failed;
  private boolean checking;

  CertificateReloader(Vertx vertx, ServerTls tls) {
    this.vertx = vertx;
    this.tls = tls;
  }

  /** Reads both files once (for the server's first options). */
  Future<Loaded> load() {
    return stamp()
        .compose(
            stamp ->
                Future.all(
                        vertx.fileSystem().readFile(tls.certFile().toString()),
                        vertx.fileSystem().readFile(tls.keyFile().toString()))
                    .compose(
                        all ->
                            vertx.executeBlocking(
                                () ->
                                    new Loaded(
                                        TlsFiles.checkedKeyCert(
                                            all.<Buffer>resultAt(0).getBytes(),
                                            all.<Buffer>resultAt(1).getBytes()),
                                        stamp),
                                false)));
  }

  /**
   * Starts checking the files for {@code server}, which serves what was loaded at {@code stamp}.
   */
  void watch(HttpServer server, List<Long> stamp) {
    current = stamp;
    vertx.setPeriodic(
        Math.max(1, tls.reloadInterval().toMillis()),
        id -> {
          if (!checking) {
            checking = true;
            check(server).onComplete(ar -> checking = false);
          }
        });
  }

  private Future<Void> check(HttpServer server) {
    return stamp()
        .compose(
            stamp -> {
              if (stamp.equals(current) || stamp.equals(failed)) {
                return Future.succeededFuture();
              }
              return load()
                  .compose(
                      loaded ->
                          server
                              .updateSSLOptions(
                                  new ServerSSLOptions()
                                      .setKeyCertOptions(loaded.options())
                                      .setEnabledSecureTransportProtocols(TlsProtocols.ENABLED))
                              .map(updated -> loaded))
                  .onSuccess(
                      loaded -> {
                        current = loaded.stamp();
                        failed = null;
                        LOG.info(
                            "Reloaded the TLS certificate "
                                + tls.certFile()
                                + " (new connections use it)");
                      })
                  .onFailure(
                      e -> {
                        failed = stamp;
                        LOG.warning(
                            "The changed TLS certificate "
                                + tls.certFile()
                                + " and key "
                                + tls.keyFile()
                                + " could not be loaded; still serving the previous one: "
                                + e.getMessage());
                      })
                  .<Void>mapEmpty()
                  .otherwiseEmpty();
            })
        .otherwise(
            e -> {
              LOG.warning("Cannot check the TLS certificate files: " + e.getMessage());
              return null;
            });
  }

  /** Modification times and sizes of the certificate and key files. */
  private Future<List<Long>> stamp() {
    return Future.all(
            vertx.fileSystem().props(tls.certFile().toString()),
            vertx.fileSystem().props(tls.keyFile().toString()))
        .map(
            all -> {
              FileProps cert = all.resultAt(0);
              FileProps key = all.resultAt(1);
              return List.of(
                  cert.lastModifiedTime(), cert.size(), key.lastModifiedTime(), key.size());
            });
  }
}
