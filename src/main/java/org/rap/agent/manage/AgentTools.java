package org.rap.agent.manage;

import com.github.dockerjava.api.model.Container;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.rap.agent.Executors;
import org.rap.agent.bus.AgentAddresses;
import org.rap.agent.executor.Executor;
import org.rap.agent.executor.ExecutorClient;
import org.rap.agent.executor.ExecutorLifecycle;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.ExecutorVerticle;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.agent.metrics.MetricsStore;
import org.rap.agent.poller.FatalErrors;
import org.rap.agent.poller.JobTaskHandler;
import org.rap.agent.poller.TaskApiClient;
import org.rap.common.config.AgentConfig;
import org.rap.common.tasks.AgentTask;
import org.rap.common.telemetry.Telemetry;

/**
 * What the agent's operator commands share with a running agent: its configuration, its Docker
 * engine (through the same executor, so jobs are finalized, reported and cleaned up exactly as the
 * agent does it), its storage, and the controller's task API with the agent's token. Built for one
 * command on its own Vert.x instance; closing it closes everything.
 */
public final class AgentTools implements AutoCloseable {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  public static final String CONTAINER_PREFIX = "os-job-";

  private final AgentConfig config;
  private final ExecutorSettings settings;
  private final Vertx vertx;
  private final DockerApi docker;
  private final Executor runtime;
  private final ExecutorClient executor;
  private final TaskApiClient api;
  private final JobTaskHandler handler;

  private AgentTools(AgentConfig config) {
    this.config = config;
    this.settings = ExecutorSettings.from(config);
    this.vertx = Vertx.vertx();
    this.docker = DockerApi.connect();
    // the same runtime and job lifecycle as the agent, behind an executor verticle of its own;
    // a job's resource aggregates are read straight from the agent's metrics store
    this.runtime = Executors.create(vertx, config, Telemetry.none());
    MetricsStore metrics = new MetricsStore(config.common().workdir().resolve("metrics.sqlite"));
    AgentAddresses addresses =
        AgentAddresses.of(config.backend() + ".tools." + ProcessHandle.current().pid());
    vertx
        .deployVerticle(
            new ExecutorVerticle(
                runtime,
                (v, rt, runs) ->
                    ExecutorLifecycle.create(
                        v,
                        config,
                        rt,
                        jobId -> v.executeBlocking(() -> metrics.get(jobId), false),
                        runs,
                        Telemetry.none()),
                addresses),
            ExecutorVerticle.deployment())
        .await();
    this.executor = new ExecutorClient(vertx, addresses);
    this.api =
        new TaskApiClient(
            vertx,
            config.taskApiEndpoint(),
            config.backend(),
            config.taskApiToken(),
            REQUEST_TIMEOUT,
            new FatalErrors(),
            config.controllerCaFile(),
            // as this host's agent, only looking: the controller claims and renews nothing
            new TaskApiClient.Identity(config.agentId(), 0, null));
    // the study repository is validated only before a prepare, which these commands never start
    this.handler =
        new JobTaskHandler(executor, job -> Future.succeededFuture(), api, AgentTools::nowNs);
  }

  public static AgentTools open(AgentConfig config) {
    return new AgentTools(config);
  }

  public AgentConfig config() {
    return config;
  }

  public ExecutorSettings settings() {
    return settings;
  }

  public DockerApi docker() {
    return docker;
  }

  /** The job lifecycle, as the agent's task handling drives it. */
  public ExecutorClient executor() {
    return executor;
  }

  public JobTaskHandler handler() {
    return handler;
  }

  /** The backend's active tasks, as the agent's poll gets them (no long poll). */
  public List<AgentTask> activeTasks() {
    try {
      return api.fetchTasks(0).await();
    } catch (Exception e) {
      throw new IllegalStateException(
          "Cannot read the active tasks of backend "
              + config.backend()
              + " from "
              + config.taskApiEndpoint()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** Every job container ({@code os-job-*}), running or not. */
  public List<Container> jobContainers() {
    return docker
        .client()
        .listContainersCmd()
        .withShowAll(true)
        .withNameFilter(List.of(CONTAINER_PREFIX))
        .exec()
        .stream()
        .filter(c -> jobIdOf(c) != null)
        .toList();
  }

  /** The job id of a job container ({@code os-job-<id>}), or null for another container. */
  public static String jobIdOf(Container c) {
    if (c.getNames() == null) {
      return null;
    }
    for (String n : c.getNames()) {
      String name = n.startsWith("/") ? n.substring(1) : n;
      if (name.startsWith(CONTAINER_PREFIX) && name.length() > CONTAINER_PREFIX.length()) {
        return name.substring(CONTAINER_PREFIX.length());
      }
    }
    return null;
  }

  /**
   * Whether this host's agent process answers its liveness endpoint on {@code AGENT_PORT} (loopback
   * when it binds every address).
   */
  public boolean agentRunning() {
    String host =
        config.host().equals("0.0.0.0") || config.host().equals("::") ? "127.0.0.1" : config.host();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://" + host + ":" + config.port() + "/health/live"))
                  .timeout(Duration.ofSeconds(3))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains("\"agent\"");
    } catch (Exception e) {
      return false;
    }
  }

  static long nowNs() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Override
  public void close() {
    try {
      api.close();
      runtime.close();
      docker.close();
    } catch (Exception e) {
      // closing anyway
    }
    vertx.close().await();
  }
}
