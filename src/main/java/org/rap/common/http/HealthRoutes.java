package org.rap.common.http;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Liveness and readiness routes. {@code /health/live} answers while the process runs; {@code
 * /health/ready} answers 200 only while not draining and the readiness check succeeds, else 503.
 */
public final class HealthRoutes {
  private final AtomicBoolean draining = new AtomicBoolean();
  private final Supplier<Future<?>> readiness;
  private final String role;

  public HealthRoutes(String role, Supplier<Future<?>> readiness) {
    this.role = role;
    this.readiness = readiness;
  }

  /** From now on readiness answers 503 so load balancers stop sending new work. */
  public void startDraining() {
    draining.set(true);
  }

  public void mount(Router router) {
    router
        .get("/health/live")
        .handler(
            ctx ->
                Responses.json(ctx, 200, new JsonObject().put("status", "UP").put("role", role)));
    router
        .get("/health/ready")
        .handler(
            ctx -> {
              if (draining.get()) {
                Responses.json(
                    ctx,
                    503,
                    new JsonObject()
                        .put("status", "DOWN")
                        .put("role", role)
                        .put("reason", "shutting down"));
                return;
              }
              readiness
                  .get()
                  .onComplete(
                      ar -> {
                        if (ar.succeeded()) {
                          Responses.json(
                              ctx, 200, new JsonObject().put("status", "UP").put("role", role));
                        } else {
                          Responses.json(
                              ctx,
                              503,
                              new JsonObject()
                                  .put("status", "DOWN")
                                  .put("role", role)
                                  .put("reason", String.valueOf(ar.cause().getMessage())));
                        }
                      });
            });
  }
}
