package org.rap.agent;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.logging.Logger;
import org.rap.common.config.AgentConfig;
import org.rap.common.http.HealthRoutes;
import org.rap.common.http.HttpServers;
import org.rap.common.http.Responses;

/**
 * The agent role: its health server on {@code AGENT_PORT}, and the poller, executor and metrics
 * verticles.
 */
public final class AgentVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(AgentVerticle.class.getName());
  private final AgentConfig config;
  private final HealthRoutes health;
  private HttpServer server;

  public AgentVerticle(AgentConfig config) {
    this.config = config;
    this.health = new HealthRoutes("agent", () -> Future.succeededFuture());
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    health.mount(router);
    router
        .route("/")
        .handler(
            rc ->
                Responses.json(
                    rc,
                    200,
                    new JsonObject().put("method", rc.request().method().name()).put("backend", config.backend())));
    return HttpServers.listen(vertx, router, config.host(), config.port())
        .onSuccess(
            s -> {
              server = s;
              LOG.info(
                  "Agent for backend " + config.backend() + " listening on " + config.host() + ":" + s.actualPort());
            });
  }

  public int httpPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override
  public Future<?> stop() {
    health.startDraining();
    return HttpServers.shutdown(server, config.common().shutdownTimeout());
  }
}
