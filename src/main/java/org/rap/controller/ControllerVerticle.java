package org.rap.controller;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.rap.common.config.ControllerConfig;
import org.rap.controller.db.Database;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.scheduler.SchedulerVerticle;

/**
 * The controller role: opens the database pool and deploys the HTTP, scheduler and sync
 * verticles. Undeploying it stops them (HTTP drains first) and then closes the pool.
 */
public final class ControllerVerticle extends VerticleBase {
  private final ControllerConfig config;
  private ControllerContext ctx;
  private ControllerHttpVerticle http;

  public ControllerVerticle(ControllerConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    Database db = Database.open(vertx, DatabaseTarget.of(config.common()));
    ctx = ControllerContext.of(config, db);
    http = new ControllerHttpVerticle(ctx);
    return db.ping()
        .compose(ok -> vertx.deployVerticle(http))
        .compose(id -> vertx.deployVerticle(new SchedulerVerticle(ctx)));
  }

  public ControllerContext context() {
    return ctx;
  }

  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  @Override
  public Future<?> stop() {
    // Child verticles are undeployed by Vert.x before this runs; the pool goes last.
    return ctx == null ? Future.succeededFuture() : ctx.db().closeAsync();
  }
}
