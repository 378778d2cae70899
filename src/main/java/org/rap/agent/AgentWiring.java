package org.rap.agent;

import io.vertx.core.Vertx;
import java.util.function.Consumer;
import org.rap.agent.executor.Executor;
import org.rap.agent.executor.ExecutorLifecycle;
import org.rap.agent.executor.JobLifecycle;
import org.rap.agent.executor.RunListener;
import org.rap.agent.metrics.JobMetricsSource;
import org.rap.agent.poller.GitRepoValidator;
import org.rap.agent.poller.RepoValidator;
import org.rap.common.config.AgentConfig;
import org.rap.common.git.GitService;
import org.rap.common.git.GitSettings;
import org.rap.common.telemetry.Telemetry;

/**
 * The replaceable parts of the agent (tests and the lead's final wiring).
 *
 * @param executors builds the container runtime (default {@link Executors#create}: Docker)
 * @param lifecycles builds the job lifecycle on it (default {@link ExecutorLifecycle#create})
 * @param repoValidators study repository re-validation before prepare (default: the git rules)
 * @param onFatal called once when the controller rejects the token (default: nothing; the service
 *     runner exits the process non-zero)
 * @param telemetry where metrics (served on the agent's {@code /metrics}) and traces go
 */
public record AgentWiring(
    ExecutorFactory executors,
    LifecycleFactory lifecycles,
    RepoValidatorFactory repoValidators,
    Consumer<String> onFatal,
    Telemetry telemetry) {

  /** Builds the container runtime; must not block (connections open on first use). */
  @FunctionalInterface
  public interface ExecutorFactory {
    Executor create(Vertx vertx, AgentConfig config);
  }

  @FunctionalInterface
  public interface LifecycleFactory {
    JobLifecycle create(
        Vertx vertx,
        AgentConfig config,
        Executor executor,
        JobMetricsSource metrics,
        RunListener runs);
  }

  @FunctionalInterface
  public interface RepoValidatorFactory {
    RepoValidator create(Vertx vertx, AgentConfig config);
  }

  /** Docker executor and study-repository re-validation through the shared git layer. */
  public static AgentWiring defaults() {
    return defaults(Telemetry.none());
  }

  /** As {@link #defaults()}, with Docker and git calls timed into {@code telemetry}. */
  public static AgentWiring defaults(Telemetry telemetry) {
    return new AgentWiring(
        (vertx, config) -> Executors.create(vertx, config, telemetry),
        (vertx, config, executor, metrics, runs) ->
            ExecutorLifecycle.create(vertx, config, executor, metrics, runs, telemetry),
        (vertx, config) ->
            new GitRepoValidator(
                new GitService(
                    vertx,
                    GitSettings.forAgent(config.common(), config.backend()),
                    telemetry.calls("git"))),
        reason -> {},
        telemetry);
  }

  public AgentWiring withOnFatal(Consumer<String> handler) {
    return new AgentWiring(executors, lifecycles, repoValidators, handler, telemetry);
  }

  public AgentWiring withExecutors(ExecutorFactory factory) {
    return new AgentWiring(factory, lifecycles, repoValidators, onFatal, telemetry);
  }

  /** Jobs handled by {@code lifecycle} instead of the lifecycle on the runtime. */
  public AgentWiring withLifecycle(JobLifecycle lifecycle) {
    return new AgentWiring(
        executors, (vertx, config, e, m, r) -> lifecycle, repoValidators, onFatal, telemetry);
  }

  public AgentWiring withRepoValidator(RepoValidator validator) {
    return new AgentWiring(executors, lifecycles, (vertx, config) -> validator, onFatal, telemetry);
  }
}
