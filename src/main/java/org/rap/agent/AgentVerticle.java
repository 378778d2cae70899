package org.rap.agent;

import com.github.dockerjava.api.DockerClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.rap.agent.executor.Executor;
import org.rap.agent.metrics.ContainerGauges;
import org.rap.agent.metrics.MetricsStore;
import org.rap.agent.metrics.MetricsVerticle;
import org.rap.agent.metrics.StatsSampler;
import org.rap.agent.poller.DbTaskHandler;
import org.rap.agent.poller.DockerDbTaskRunner;
import org.rap.agent.poller.FatalErrors;
import org.rap.agent.poller.JobTaskHandler;
import org.rap.agent.poller.PollerSettings;
import org.rap.agent.poller.PollerVerticle;
import org.rap.agent.poller.TaskApiClient;
import org.rap.agent.poller.TaskDispatcher;
import org.rap.agent.poller.UpdateSink;
import org.rap.agent.telemetry.AgentSpans;
import org.rap.common.config.AgentConfig;
import org.rap.common.http.HealthRoutes;
import org.rap.common.http.HttpServers;
import org.rap.common.http.Responses;
import org.rap.common.telemetry.CallTimer;
import org.rap.common.telemetry.StorageGauges;

/**
 * The agent role: its health server on {@code AGENT_PORT}, the poller (with task handling) and the
 * metrics verticle. Ready while the Docker engine answers a ping and the controller has not
 * rejected the token. Stop: readiness goes down, polling stops, in-flight handlings get up to
 * {@code SHUTDOWN_TIMEOUT} to finish (state is re-derived on restart anyway), clients close.
 */
public final class AgentVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(AgentVerticle.class.getName());
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  static final Duration DB_TASK_TIMEOUT = Duration.ofMinutes(15);
  static final Duration STATS_TIMEOUT = Duration.ofSeconds(10);
  static final int MAX_CONCURRENT_TASKS = 16;
  static final int STATS_PARALLELISM = 8; // a stats call takes 1-2 s, mostly waiting on the daemon

  private final AgentConfig config;
  private final AgentWiring wiring;
  private final FatalErrors fatal = new FatalErrors();
  private final HealthRoutes health;
  private final List<String> deployments = new ArrayList<>();
  private HttpServer server;
  private DockerClient docker;
  private TaskApiClient api;
  private MetricsStore metricsStore;
  private TaskDispatcher dispatcher;

  public AgentVerticle(AgentConfig config) {
    this(config, AgentWiring.defaults());
  }

  public AgentVerticle(AgentConfig config, AgentWiring wiring) {
    this.config = config;
    this.wiring = wiring;
    this.health = new HealthRoutes("agent", "docker", this::ready);
  }

  @Override
  public Future<?> start() {
    fatal.onFatal(
        reason -> {
          LOG.severe(reason);
          wiring.onFatal().accept(reason);
        });
    // building the client reads local config files: off the event loop
    CallTimer dockerTimer = wiring.telemetry().calls("docker");
    return vertx
        .executeBlocking(() -> DockerClients.create(dockerTimer), false)
        .compose(this::startWith);
  }

  private Future<?> startWith(DockerClient client) {
    docker = client;
    metricsStore = new MetricsStore(config.common().workdir().resolve("metrics.sqlite"));
    Executor executor;
    try {
      executor = wiring.executors().create(vertx, config, metricsStore);
    } catch (RuntimeException e) {
      closeDocker();
      return Future.failedFuture(e);
    }
    api =
        new TaskApiClient(
            vertx,
            config.taskApiEndpoint(),
            config.backend(),
            config.taskApiToken(),
            REQUEST_TIMEOUT,
            fatal,
            config.controllerCaFile());
    AgentSpans spans = new AgentSpans(wiring.telemetry(), config.backend());
    UpdateSink updates = spans.sink(api);
    JobTaskHandler jobs =
        new JobTaskHandler(
            executor, wiring.repoValidators().create(vertx, config), updates, AgentVerticle::nowNs);
    DbTaskHandler db =
        new DbTaskHandler(
            new DockerDbTaskRunner(
                vertx,
                docker,
                config.common().dockerRegistry(),
                config.dockerProxy(),
                DB_TASK_TIMEOUT),
            config.databaseUrls(),
            config.databaseAccessNetwork());
    dispatcher = new TaskDispatcher(jobs, db, updates, MAX_CONCURRENT_TASKS).traced(spans);
    PollerSettings pollerSettings =
        PollerSettings.of(
            config.common().jobLoopInterval(),
            config.longPollSeconds(),
            config.common().shutdownTimeout());
    MetricsVerticle metrics =
        new MetricsVerticle(
                new StatsSampler(docker, STATS_TIMEOUT),
                metricsStore,
                config.statsPollInterval(),
                STATS_PARALLELISM,
                new ContainerGauges(wiring.telemetry().meters()))
            .traced(spans);
    StorageGauges.register(
        wiring.telemetry().meters(),
        Map.of(
            "high_privacy", config.highPrivacyStorageBase(),
            "medium_privacy", config.mediumPrivacyStorageBase()));
    Router router = Router.router(vertx);
    health.mount(vertx, router);
    router.get("/metrics").handler(wiring.telemetry().scrapeHandler());
    router
        .route("/")
        .handler(
            rc ->
                Responses.json(
                    rc,
                    200,
                    new JsonObject()
                        .put("method", rc.request().method().name())
                        .put("backend", config.backend())));
    return vertx
        .deployVerticle(metrics)
        .compose(
            id -> {
              deployments.add(id);
              return vertx.deployVerticle(
                  new PollerVerticle(api, dispatcher, pollerSettings, fatal));
            })
        .compose(
            id -> {
              deployments.add(id);
              return HttpServers.listen(
                  vertx, router, config.host(), config.port(), config.common().tls());
            })
        .onSuccess(
            s -> {
              server = s;
              LOG.info(
                  "Agent for backend "
                      + config.backend()
                      + " polling "
                      + config.taskApiEndpoint()
                      + ", listening on "
                      + config.host()
                      + ":"
                      + s.actualPort());
            });
  }

  /** Docker engine reachable and token not rejected. */
  private Future<?> ready() {
    if (fatal.isFatal()) {
      return Future.failedFuture(fatal.reason().get());
    }
    return vertx
        .executeBlocking(() -> docker.pingCmd().exec(), false)
        .recover(e -> Future.failedFuture("Docker engine not reachable: " + e.getMessage()));
  }

  public int httpPort() {
    return server == null ? -1 : server.actualPort();
  }

  public FatalErrors fatalErrors() {
    return fatal;
  }

  /** Agent time in nanoseconds since the epoch. */
  static long nowNs() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Override
  public Future<?> stop() {
    health.startDraining();
    // Poller first (stops polling, drains handlings), then metrics; children would otherwise be
    // undeployed in no particular order.
    Future<Void> chain = Future.succeededFuture();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain = chain.compose(v -> vertx.undeploy(id).otherwiseEmpty());
    }
    return chain
        .compose(v -> HttpServers.shutdown(server, Duration.ofSeconds(2)))
        .eventually(
            () -> {
              if (api != null) {
                api.close();
              }
              closeDocker();
              return Future.succeededFuture();
            });
  }

  private void closeDocker() {
    try {
      if (docker != null) {
        docker.close();
      }
    } catch (Exception e) {
      LOG.fine("closing the docker client: " + e);
    }
  }
}
