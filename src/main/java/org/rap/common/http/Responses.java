package org.rap.common.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** JSON response helpers. */
public final class Responses {
  private Responses() {}

  public static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }

  /** The reference's error body {@code {"error": ..., "details": ...}}. */
  public static void error(RoutingContext ctx, int status, String error, String details) {
    json(ctx, status, new JsonObject().put("error", error).put("details", details));
  }

  /**
   * 503 with {@code Retry-After} and the error body: a dependency (the database) is not answering;
   * the client should try again after {@code retryAfterSeconds}.
   */
  public static void unavailable(RoutingContext ctx, int retryAfterSeconds, String details) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().putHeader("Retry-After", String.valueOf(retryAfterSeconds));
    error(ctx, 503, "Service unavailable", details);
  }
}
