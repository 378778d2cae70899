package org.rap.controller;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.function.BiFunction;
import org.rap.common.config.ControllerConfig;
import org.rap.common.telemetry.StorageGauges;
import org.rap.common.telemetry.Telemetry;
import org.rap.controller.api.rap.RapService;
import org.rap.controller.db.Database;
import org.rap.controller.db.DatabaseTarget;
import org.rap.controller.fleet.LeaseExpiryVerticle;
import org.rap.controller.fleet.TaskLeases;
import org.rap.controller.planning.DefaultJobCreator;
import org.rap.controller.planning.JobCreator;
import org.rap.controller.scheduler.SchedulerVerticle;
import org.rap.controller.sync.SyncVerticle;
import org.rap.controller.telemetry.FleetMeters;
import org.rap.controller.telemetry.TickTracesVerticle;

/**
 * The controller role: opens the database pool and deploys the HTTP, scheduler and sync verticles.
 * Undeploying it stops them (HTTP drains first) and then closes the pool.
 */
public final class ControllerVerticle extends VerticleBase {
  private final ControllerConfig config;
  private final BiFunction<Vertx, ControllerContext, JobCreator> jobCreators;
  private final Telemetry telemetry;
  private ControllerContext ctx;
  private ControllerHttpVerticle http;

  public ControllerVerticle(ControllerConfig config) {
    this(config, ControllerVerticle::jobCreator);
  }

  /** With another job creator (tests use fakes). */
  public ControllerVerticle(
      ControllerConfig config, BiFunction<Vertx, ControllerContext, JobCreator> jobCreators) {
    this(config, jobCreators, Telemetry.none());
  }

  /** Reporting metrics and traces to {@code telemetry} (served on {@code /metrics}). */
  public ControllerVerticle(ControllerConfig config, Telemetry telemetry) {
    this(config, ControllerVerticle::jobCreator, telemetry);
  }

  public ControllerVerticle(
      ControllerConfig config,
      BiFunction<Vertx, ControllerContext, JobCreator> jobCreators,
      Telemetry telemetry) {
    this.config = config;
    this.jobCreators = jobCreators;
    this.telemetry = telemetry;
  }

  /**
   * The controller's job creator: git from the configuration, the reference's project.yaml rules.
   */
  static JobCreator jobCreator(Vertx vertx, ControllerContext ctx) {
    return DefaultJobCreator.forController(vertx, ctx);
  }

  @Override
  public Future<?> start() {
    Database db = Database.open(vertx, DatabaseTarget.of(config.common()));
    ctx = ControllerContext.of(config, db, telemetry);
    StorageGauges.register(
        telemetry.meters(),
        Map.of("workdir", config.common().workdir(), "backups", config.backupsPath()));
    RapService rap = new RapService(vertx, ctx, jobCreators.apply(vertx, ctx));
    http = new ControllerHttpVerticle(ctx, rap);
    return db.ping()
        .compose(ok -> vertx.deployVerticle(http))
        .compose(id -> deploySchedulerAndTicks())
        .compose(
            id ->
                vertx.deployVerticle(
                    new LeaseExpiryVerticle(
                        new TaskLeases(ctx.db(), ctx.tasks(), config.taskLease()),
                        new FleetMeters(telemetry.meters()))))
        .compose(
            id ->
                config.jobServerEndpoint().isPresent()
                    ? vertx.deployVerticle(new SyncVerticle(ctx, rap))
                    : Future.succeededFuture(id));
  }

  /**
   * The scheduler, and the TICK traces (with tracing on) of whichever controller holds its loop.
   */
  private Future<String> deploySchedulerAndTicks() {
    SchedulerVerticle scheduler = new SchedulerVerticle(ctx);
    return vertx
        .deployVerticle(scheduler)
        .compose(
            id ->
                telemetry.tracing()
                    ? vertx.deployVerticle(
                        new TickTracesVerticle(
                            ctx, telemetry.config().tickInterval(), scheduler::isActive))
                    : Future.succeededFuture(id));
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
