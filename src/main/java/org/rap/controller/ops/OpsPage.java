package org.rap.controller.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.logging.Logger;
import org.rap.common.http.Responses;
import org.rap.common.model.Timestamps;
import org.rap.controller.ControllerContext;
import org.rap.controller.scheduler.ResourceWeights;
import org.rap.controller.scheduler.Scheduler;

/**
 * The read-only operator page: {@code GET /ops/} (HTML, rendered in the browser from the JSON with
 * {@code textContent} only, so nothing from the database is ever parsed as markup) and {@code GET
 * /ops/api/summary} (JSON, polled every few seconds by the page).
 *
 * <p>Behind {@code OPS_PAGE_TOKEN}, given as {@code Authorization: Bearer <token>} (or the bare
 * token) or {@code ?token=}; the page keeps it in sessionStorage for its fetches and drops it from
 * the address bar. Without a configured token the routes do not exist (404).
 */
public final class OpsPage {
  private static final Logger LOG = Logger.getLogger(OpsPage.class.getName());
  static final String PAGE_RESOURCE = "ops/index.html";
  static final String LOGIN_RESOURCE = "ops/login.html";

  private final byte[] tokenDigest;
  private final OpsSummary summary;
  private final String page;
  private final String login;
  private final SecureRandom random = new SecureRandom();

  OpsPage(String token, OpsSummary summary, String page, String login) {
    this.tokenDigest = sha256(token);
    this.summary = summary;
    this.page = page;
    this.login = login;
  }

  /**
   * Mounts the page when {@code OPS_PAGE_TOKEN} is set (else nothing: the paths stay 404). Reads
   * the resource-weight files and the page off the event loop.
   */
  public static Future<Void> mount(Vertx vertx, Router router, ControllerContext ctx) {
    if (ctx.config().opsPageToken().isEmpty()) {
      return Future.succeededFuture();
    }
    String token = ctx.config().opsPageToken().get();
    return vertx
        .executeBlocking(
            () -> {
              Map<String, ResourceWeights> weights;
              try {
                weights = Scheduler.loadWeights(ctx.config());
              } catch (RuntimeException e) {
                LOG.warning(
                    "Operator page: worker use without resource weights: " + e.getMessage());
                weights = Map.of();
              }
              return new OpsPage(
                  token,
                  new OpsSummary(ctx, weights),
                  resource(PAGE_RESOURCE),
                  resource(LOGIN_RESOURCE));
            },
            false)
        .map(
            p -> {
              p.routes(router);
              return null;
            });
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = OpsPage.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  void routes(Router router) {
    router.get("/ops/").handler(this::page);
    // registered after the page: "/ops" also matches "/ops/", which the page route answers first
    router
        .get("/ops")
        .handler(
            rc -> {
              String q = rc.request().query();
              rc.redirect("/ops/" + (q == null ? "" : "?" + q));
            });
    router.get("/ops/api/summary").handler(this::summary);
  }

  private void page(RoutingContext rc) {
    String nonce = nonce();
    boolean ok = authorized(rc);
    String body = (ok ? page : login).replace("{{nonce}}", nonce);
    rc.response()
        .setStatusCode(ok ? 200 : 401)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'nonce-"
                + nonce
                + "'; style-src 'nonce-"
                + nonce
                + "'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        .end(body);
  }

  private void summary(RoutingContext rc) {
    if (!authorized(rc)) {
      rc.response().putHeader("WWW-Authenticate", "Bearer");
      Responses.error(
          rc,
          401,
          "Unauthorized",
          "Give OPS_PAGE_TOKEN as 'Authorization: Bearer <token>' or ?token=");
      return;
    }
    summary
        .build(Timestamps.nowMicros())
        .onSuccess(
            json -> {
              rc.response()
                  .putHeader("Cache-Control", "no-store")
                  .putHeader("X-Content-Type-Options", "nosniff");
              Responses.json(rc, 200, json);
            })
        .onFailure(
            e -> {
              LOG.warning("Operator page summary failed: " + e);
              Responses.json(
                  rc,
                  503,
                  new JsonObject()
                      .put("error", "Database unavailable")
                      .put("details", String.valueOf(e.getMessage())));
            });
  }

  /** Header ({@code Bearer <t>} or the bare token) or {@code ?token=}; constant-time compare. */
  boolean authorized(RoutingContext rc) {
    String given = rc.request().getHeader("Authorization");
    if (given != null) {
      given = given.strip();
      if (given.regionMatches(true, 0, "Bearer ", 0, 7)) {
        given = given.substring(7).strip();
      }
    } else {
      given = rc.request().getParam("token");
    }
    return given != null && !given.isEmpty() && MessageDigest.isEqual(sha256(given), tokenDigest);
  }

  private String nonce() {
    byte[] b = new byte[18];
    random.nextBytes(b);
    return Base64.getEncoder().encodeToString(b);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
