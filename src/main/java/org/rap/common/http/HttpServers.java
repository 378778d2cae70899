package org.rap.common.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Starting and gracefully stopping the roles' HTTP servers. */
public final class HttpServers {
  private HttpServers() {}

  public static Future<HttpServer> listen(Vertx vertx, Router router, String host, int port) {
    return vertx
        .createHttpServer(
            new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setCompressionSupported(true)
                .setIdleTimeout(120)
                .setIdleTimeoutUnit(TimeUnit.SECONDS))
        .requestHandler(router)
        .listen();
  }

  /** Stops accepting connections and lets in-flight requests finish for at most {@code grace}. */
  public static Future<Void> shutdown(HttpServer server, Duration grace) {
    if (server == null) {
      return Future.succeededFuture();
    }
    return server.shutdown(Math.max(grace.toMillis(), 1), TimeUnit.MILLISECONDS);
  }
}
