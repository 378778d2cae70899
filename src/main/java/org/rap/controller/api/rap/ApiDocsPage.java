package org.rap.controller.api.rap;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The RAP API's documentation at {@code docs/}: Swagger UI from the {@code org.webjars:swagger-ui}
 * webjar, served out of the jar (no CDN, no validator service), over our own {@code spec.json}.
 * Operations, schemas and "Try it out" against this controller, as job-server's developers know it
 * from other APIs. Only the files the page loads are served from the webjar.
 */
final class ApiDocsPage {
  /** Our page and its Swagger UI configuration (classpath). */
  static final String OWN_FILES = "api-docs";

  private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
  private static final String WEBJAR_FILES =
      "/(swagger-ui\\.css|swagger-ui-bundle\\.js|favicon-(16x16|32x32)\\.png)";

  /**
   * Script and style come only from this controller, and the page's API calls go only to it; the
   * page may not be framed. Swagger UI sets inline styles and shows data: images.
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
          + " frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  private ApiDocsPage() {}

  /** A router for {@code <base>/docs/}: every other path below it answers {@code notFound}. */
  static Router router(Vertx vertx, Handler<RoutingContext> notFound) {
    Router docs = Router.router(vertx);
    docs.route()
        .handler(
            rc -> {
              rc.response()
                  .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                  .putHeader("X-Content-Type-Options", "nosniff");
              rc.next();
            });
    docs.route().handler(StaticHandler.create(OWN_FILES).setCachingEnabled(false));
    docs.getWithRegex(WEBJAR_FILES)
        .handler(
            StaticHandler.create(WEBJAR + swaggerUiVersion()).setDefaultContentEncoding("UTF-8"));
    docs.route().last().handler(notFound);
    return docs;
  }

  /** The webjar's version, from its Maven metadata (the folder its files live in). */
  static String swaggerUiVersion() {
    try (InputStream in =
        ApiDocsPage.class
            .getClassLoader()
            .getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
      if (in == null) {
        throw new IllegalStateException("the swagger-ui webjar is not on the class path");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
