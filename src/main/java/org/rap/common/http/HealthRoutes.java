package org.rap.common.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Liveness and readiness (docs/spec/task-api.md section 6) as vertx-health-check procedures, each
 * with a timeout: {@code /health/live} runs the liveness procedure, {@code /health/ready} the
 * readiness ones ({@code draining}, then the role's own check, e.g. the database or Docker).
 *
 * <p>The answers keep the bodies load balancers, probes and scripts already read ({@code
 * {"status":"UP","role":...}}, or 503 with {@code "status":"DOWN"} and a {@code reason}) instead of
 * vertx-web's HealthCheckHandler body: the reason is that of the first procedure that is down.
 */
public final class HealthRoutes {
  /** Below the 4 s the image's HEALTHCHECK gives curl, so a slow check answers 503, not nothing. */
  public static final Duration READINESS_TIMEOUT = Duration.ofSeconds(3);

  private static final Duration LIVENESS_TIMEOUT = Duration.ofSeconds(1);
  private static final String DRAINING = "draining";

  private final AtomicBoolean draining = new AtomicBoolean();
  private final String role;
  private final String checkName;
  private final Supplier<Future<?>> readiness;
  private final Duration timeout;

  /**
   * @param checkName the name of the role's readiness procedure ({@code database}, {@code docker})
   * @param readiness succeeds while the role can serve; its failure message becomes the reason
   */
  public HealthRoutes(String role, String checkName, Supplier<Future<?>> readiness) {
    this(role, checkName, readiness, READINESS_TIMEOUT);
  }

  HealthRoutes(String role, String checkName, Supplier<Future<?>> readiness, Duration timeout) {
    this.role = role;
    this.checkName = checkName;
    this.readiness = readiness;
    this.timeout = timeout;
  }

  /** From now on readiness answers 503 so load balancers stop sending new work. */
  public void startDraining() {
    draining.set(true);
  }

  public void mount(Vertx vertx, Router router) {
    HealthChecks live =
        HealthChecks.create(vertx)
            .register("process", LIVENESS_TIMEOUT.toMillis(), p -> p.complete(Status.OK()));
    HealthChecks ready =
        HealthChecks.create(vertx)
            .register(
                DRAINING,
                LIVENESS_TIMEOUT.toMillis(),
                p ->
                    p.complete(
                        draining.get()
                            ? Status.KO(new JsonObject().put("reason", "shutting down"))
                            : Status.OK()))
            .register(
                checkName,
                timeout.toMillis(),
                p -> {
                  if (draining.get()) {
                    p.complete(Status.OK()); // not asked once shutdown has begun
                    return;
                  }
                  readiness
                      .get()
                      .onComplete(
                          ar -> {
                            if (ar.succeeded()) {
                              p.tryComplete(Status.OK());
                            } else {
                              p.tryComplete(
                                  Status.KO(
                                      new JsonObject()
                                          .put("reason", String.valueOf(ar.cause().getMessage()))));
                            }
                          });
                });
    router.get("/health/live").handler(rc -> answer(rc, live));
    router.get("/health/ready").handler(rc -> answer(rc, ready));
  }

  private void answer(RoutingContext rc, HealthChecks checks) {
    checks
        .checkStatus()
        .onComplete(
            ar -> {
              String reason = ar.succeeded() ? reasonDown(ar.result()) : "health check failed";
              if (reason == null) {
                Responses.json(rc, 200, new JsonObject().put("status", "UP").put("role", role));
              } else {
                Responses.json(
                    rc,
                    503,
                    new JsonObject().put("status", "DOWN").put("role", role).put("reason", reason));
              }
            });
  }

  /** Null when every procedure is up; else the reason of the first one down (draining first). */
  private String reasonDown(CheckResult result) {
    List<CheckResult> checks = result.getChecks() == null ? List.of() : result.getChecks();
    CheckResult down = null;
    for (CheckResult c : checks) {
      if (!c.getUp() && (down == null || DRAINING.equals(c.getId()))) {
        down = c;
      }
    }
    if (down == null) {
      return null;
    }
    JsonObject data = down.getData() == null ? new JsonObject() : down.getData();
    if (data.getString("reason") != null) {
      return data.getString("reason");
    }
    if ("Timeout".equals(data.getString("cause"))) {
      return down.getId() + " check did not answer within " + timeout.toMillis() + " ms";
    }
    return down.getId() + " check failed: " + data.getString("cause", "unknown error");
  }
}
