package org.rap.agent;

import io.vertx.core.DeploymentOptions;
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
import org.rap.agent.bus.AgentAddresses;
import org.rap.agent.bus.LocalMessages;
import org.rap.agent.executor.Executor;
import org.rap.agent.executor.ExecutorClient;
import org.rap.agent.executor.ExecutorVerticle;
import org.rap.agent.metrics.ContainerGauges;
import org.rap.agent.metrics.MetricsClient;
import org.rap.agent.metrics.MetricsStore;
import org.rap.agent.metrics.MetricsVerticle;
import org.rap.agent.poller.DbTaskHandler;
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
import org.rap.common.telemetry.StorageGauges;

/**
 * The agent role: its health server on {@code AGENT_PORT} and three verticles that talk over the
 * event bus ({@link AgentAddresses}): the executor (a worker verticle owning the container runtime
 * and the job lifecycle), the metrics verticle, and the poller (with task handling, which asks the
 * executor for every step). Ready while the container runtime answers and the controller has not
 * rejected the token. Stop: readiness goes down, polling stops, in-flight handlings get up to
 * {@code SHUTDOWN_TIMEOUT} to finish (state is re-derived on restart anyway), then metrics and the
 * executor stop, and the clients close.
 */
public final class AgentVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(AgentVerticle.class.getName());
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  static final int MAX_CONCURRENT_TASKS = 16;
  static final int STATS_PARALLELISM = 8; // a stats call takes 1-2 s, mostly waiting on the daemon

  private final AgentConfig config;
  private final AgentWiring wiring;
  private final FatalErrors fatal = new FatalErrors();
  private final HealthRoutes health;
  private final List<String> deployments = new ArrayList<>();
  private HttpServer server;
  private TaskApiClient api;
  private StorageChecks storage;
  private ExecutorClient executor;

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
    return vertx
        .executeBlocking(() -> StorageChecks.run(config), false)
        .compose(
            checked -> {
              storage = checked;
              return startChecked();
            });
  }

  private Future<?> startChecked() {
    Executor runtime;
    try {
      runtime = wiring.executors().create(vertx, config);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    LocalMessages.register(vertx);
    AgentAddresses addresses = AgentAddresses.of(config.backend() + "." + deploymentID());
    executor = new ExecutorClient(vertx, addresses);
    MetricsClient metricsClient = new MetricsClient(vertx, addresses);
    ExecutorVerticle executorVerticle =
        new ExecutorVerticle(
            runtime,
            (v, rt, runs) -> wiring.lifecycles().create(v, config, rt, metricsClient, runs),
            addresses);
    MetricsVerticle metrics =
        new MetricsVerticle(
            runtime::sample,
            new MetricsStore(config.common().workdir().resolve("metrics.sqlite")),
            config.statsPollInterval(),
            STATS_PARALLELISM,
            new ContainerGauges(wiring.telemetry().meters()),
            addresses);
    api =
        new TaskApiClient(
            vertx,
            config.taskApiEndpoint(),
            config.backend(),
            config.taskApiToken(),
            REQUEST_TIMEOUT,
            fatal,
            config.controllerCaFile(),
            new TaskApiClient.Identity(config.agentId(), config.maxWorkers(), storage.storageId()));
    AgentSpans spans = new AgentSpans(wiring.telemetry(), config.backend());
    UpdateSink updates = spans.sink(api);
    JobTaskHandler jobs =
        new JobTaskHandler(
            executor, wiring.repoValidators().create(vertx, config), updates, AgentVerticle::nowNs);
    DbTaskHandler db =
        new DbTaskHandler(executor, config.databaseUrls(), config.databaseAccessNetwork());
    TaskDispatcher dispatcher =
        new TaskDispatcher(jobs, db, updates, MAX_CONCURRENT_TASKS)
            .traced(spans)
            .ownedBy(config.agentId());
    PollerSettings pollerSettings =
        PollerSettings.of(
            config.common().jobLoopInterval(),
            config.longPollSeconds(),
            config.common().shutdownTimeout());
    metrics.traced(spans);
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
    return deploy(executorVerticle, ExecutorVerticle.deployment())
        .compose(id -> deploy(metrics, new DeploymentOptions()))
        .compose(
            id ->
                deploy(
                    new PollerVerticle(api, dispatcher, pollerSettings, fatal),
                    new DeploymentOptions()))
        .compose(
            id ->
                HttpServers.listen(
                    vertx, router, config.host(), config.port(), config.common().tls()))
        .onSuccess(
            s -> {
              server = s;
              LOG.info(
                  "Agent "
                      + config.agentId()
                      + " (capacity "
                      + config.maxWorkers()
                      + ") for backend "
                      + config.backend()
                      + " polling "
                      + config.taskApiEndpoint()
                      + ", listening on "
                      + config.host()
                      + ":"
                      + s.actualPort());
            });
  }

  /** Deploys a child verticle, remembered so that {@link #stop} undeploys it in reverse order. */
  private Future<String> deploy(VerticleBase verticle, DeploymentOptions options) {
    return vertx.deployVerticle(verticle, options).onSuccess(deployments::add);
  }

  /** The container runtime answers and the token was not rejected. */
  private Future<?> ready() {
    if (fatal.isFatal()) {
      return Future.failedFuture(fatal.reason().get());
    }
    return executor
        .ready()
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
    // poller first (stops polling, drains handlings), then metrics, then the executor: children
    // would otherwise be undeployed in no particular order
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
              if (storage != null) {
                storage.close();
              }
              return Future.succeededFuture();
            });
  }
}
