package org.rap.controller;

import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.logging.Logger;
import org.rap.common.http.HealthRoutes;
import org.rap.common.http.HttpServers;
import org.rap.common.http.Responses;
import org.rap.controller.api.ApiGuard;
import org.rap.controller.api.rap.RapApi;
import org.rap.controller.api.rap.RapService;
import org.rap.controller.api.tasks.TaskApi;
import org.rap.controller.ops.OpsPage;

/**
 * The controller's HTTP server on {@code CONTROLLER_PORT}: the reference's {@code /} check, the
 * health routes, the task API for agents and the RAP API for job-server.
 */
public final class ControllerHttpVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(ControllerHttpVerticle.class.getName());
  private final ControllerContext ctx;
  private final HealthRoutes health;
  private final RapService rapService;
  private HttpServer server;
  private TaskApi taskApi;

  public ControllerHttpVerticle(ControllerContext ctx, RapService rapService) {
    this.ctx = ctx;
    this.rapService = rapService;
    this.health = new HealthRoutes("controller", "database", () -> ctx.db().ping());
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    health.mount(vertx, router);
    router
        .route("/")
        .handler(
            rc ->
                Responses.json(
                    rc, 200, new JsonObject().put("method", rc.request().method().name())));
    router.get("/metrics").handler(ctx.telemetry().scrapeHandler());
    new ApiGuard(ctx.config()).mount(router);
    taskApi = new TaskApi(vertx, ctx);
    TaskApi api = taskApi;
    Gauge.builder("rap.long_poll.waiters", api::waiting)
        .description("Agents waiting in a task-API long poll")
        .register(ctx.telemetry().meters());
    return taskApi
        .mount(router)
        .compose(mounted -> RapApi.mount(vertx, router, rapService))
        .compose(mounted -> OpsPage.mount(vertx, router, ctx))
        .compose(
            mounted ->
                HttpServers.listen(
                    vertx,
                    router,
                    ctx.config().host(),
                    ctx.config().port(),
                    ctx.config().common().tls()))
        .onSuccess(
            s -> {
              server = s;
              LOG.info(
                  "Controller listening on "
                      + (ctx.config().common().tls().isPresent() ? "https://" : "http://")
                      + ctx.config().host()
                      + ":"
                      + s.actualPort());
            });
  }

  /** The bound port (useful when configured as 0). */
  public int port() {
    return server == null ? -1 : server.actualPort();
  }

  @Override
  public Future<?> stop() {
    health.startDraining();
    Future<Void> polls = taskApi == null ? Future.succeededFuture() : taskApi.close();
    return polls.transform(
        v -> HttpServers.shutdown(server, ctx.config().common().shutdownTimeout()));
  }
}
